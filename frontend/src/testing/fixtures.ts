import type { AssessmentPayload, Submission } from '@/features/submissions/api/get-submission';

/** An assessment like `manage.py assess` writes for the demo T1 map (var/demo/assessment.json). */
export function assessment(): AssessmentPayload {
  return {
    image: { kind: 't1_map', rows: 192, columns: 256, pixel_spacing_mm: [1.4, 1.4], echo_times_ms: null, field_strength_t: 1.5, units: 'ms' },
    agreement: {
      myocardium: { dice: 0.8986568986568987, jaccard: 0.8159645232815964, sensitivity: 0.989247311827957,
        specificity: 0.9967360766815403, ppv: 0.8232662192393736, npv: 0.9998342243773053, flags: [] },
      endocardium: { dice: 0.992548435171386, jaccard: 0.985207100591716, hausdorff_mm: 0.31390676327189054,
        hd95_mm: 0.2864998957681966, mean_surface_distance_mm: 0.13018354364114504, flags: [] },
      epicardium: { dice: 0.8, jaccard: 0.6666, hausdorff_mm: 3.3333, hd95_mm: 2.7758785911514865,
        mean_surface_distance_mm: 1.3847762501071335, flags: [] },
    },
    trainee: {
      myocardium_area_mm2: 1753.7707327851094,
      wall_thickness_mm: { mean: 9.327009999772955, sectors: [9.99, 9.15, 8.82, 8.67, 9.34, 9.96],
        sector_names: ['sector 1', 'sector 2', 'sector 3', 'sector 4', 'sector 5', 'sector 6'] },
      map: { quantity: 't1_ms', mean: 1040.1599552572707, sd: 88.56727045439911, median: 1024.0, iqr: 81.0, n_pixels: 894 },
      iron_grade: null,
    },
    reference: {
      myocardium_area_mm2: 1458.6216884853784,
      wall_thickness_mm: { mean: 7.939096012146566, sectors: [8.47, 9.06, 8.5, 7.28, 6.8, 7.47],
        sector_names: ['sector 1', 'sector 2', 'sector 3', 'sector 4', 'sector 5', 'sector 6'] },
      map: { quantity: 't1_ms', mean: 1035.0, sd: 50.56492805453105, median: 1014.5, iqr: 65.25, n_pixels: 744 },
      iron_grade: null,
    },
    delta: { wall_thickness_mm: 1.3879139876263888, myocardium_area_mm2: 295.14904429973103, map_mean: 5.1599552572707, map_quantity: 't1_ms' },
  };
}

export function submission(overrides: Partial<Submission> = {}): Submission {
  return {
    id: 7, case_id: 3, case_title: 'Mid T1', trainee: { id: 11, username: 'alice', full_name: 'Alice A' },
    created_at: '2025-01-02T10:00:00Z', attempt: 1, practice: false, status: 'done', error: null,
    feedback_mode: 'reveal', consensus: { source: 'gold_standard', version: 1, contributors: 1 },
    contours: { endocardium: [[10, 10], [20, 10], [20, 20]], epicardium: [[5, 5], [25, 5], [25, 25]] },
    reference_contours: null, result: assessment(),
    tolerance: { dice: 0.85, map_ms: 8.4, wall_thickness_mm: 1.5, within: { dice: true, map: true, wall_thickness: true, all: true } },
    overlay_url: '/api/submissions/7/overlay.png',
    ...overrides,
  };
}
