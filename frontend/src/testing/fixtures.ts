import type { ConsensusModelDetail } from '@/features/consensus-models/api/get-consensus-model';
import type { ConsensusModel } from '@/features/consensus-models/api/get-consensus-models';
import type { TrainingRun } from '@/features/consensus-models/api/get-training-runs';
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
    feedback_mode: 'reveal', consensus: { source: 'gold_standard', version: 1, contributors: 1, model_version: null },
    consensus_note: null,
    contours: { endocardium: [[10, 10], [20, 10], [20, 20]], epicardium: [[5, 5], [25, 5], [25, 25]] },
    reference_contours: null, result: assessment(),
    tolerance: { dice: 0.85, map_ms: 8.4, wall_thickness_mm: 1.5, within: { dice: true, map: true, wall_thickness: true, all: true } },
    overlay_url: '/api/submissions/7/overlay.png',
    ...overrides,
  };
}

/** A consensus model as GET /api/consensus-models/ lists it (a U-Net at width 0.25 with held-out patients). */
export function consensusModel(overrides: Partial<ConsensusModel> = {}): ConsensusModel {
  return {
    id: 4, version: 'unet-w0.25-20250301T101500Z', head: 'unet', is_active: false, created_at: '2025-03-01T10:15:00Z',
    activated_at: null, activated_by: null, width: 0.25, parameters: 1_953_617,
    accuracy: { dice: 0.8712, hd_mm: 4.276, msd_mm: 1.0349, basis: 'held-out patients SC-HF-I-01, SC-HF-I-02' },
    training_seconds: 1_534.2, inference_seconds: 0.0843,
    data: { description: 'datasets T1 basics + 24 phantoms', n_cases: 64, n_real_cases: 40, n_phantom_cases: 24,
      train_patients: ['SC-HF-I-04', 'SC-HF-I-05', 'SC-HF-NI-03', 'SC-N-02'], n_samples: 896, split: 'by patient (never by frame)' },
    ...overrides,
  };
}

/** GET /api/consensus-models/{id}: the model above with its card (ml/train.py). */
export function consensusModelDetail(overrides: Partial<ConsensusModelDetail> = {}): ConsensusModelDetail {
  const agreement = (dice: number, hd: number, msd: number) => ({ dice, hd_mm: hd, msd_mm: msd });
  return {
    ...consensusModel(),
    card: {
      version: 'unet-w0.25-20250301T101500Z',
      architecture: 'VGG-16 (13 conv, from scratch) on 224x224x4; U-Net decoder with skip connections from each VGG block',
      default_head: 'unet',
      default_head_reason: 'U-Net measured closer to the experts on held-out frames.',
      optimiser: { name: 'Nadam', learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999 },
      loss: 'binary_crossentropy',
      config: { head: 'unet', width: 0.25, epochs: 6, batch_size: 8, folds: 3, variants: 14, seed: 0 },
      cross_validation: [
        { fold: 1, validation_patients: ['SC-HF-I-04', 'SC-HF-I-05', 'SC-N-02', 'phantom-1', 'phantom-2', 'phantom-3'],
          model_vs_expert: agreement(0.8611, 4.9012, 1.2233), trainee_vs_expert: agreement(0.8104, 5.51, 1.4), model_closer_dice: 0.64 },
        { fold: 2, validation_patients: ['SC-HF-NI-03'], model_vs_expert: agreement(0.8523, 5.2, 1.31),
          trainee_vs_expert: agreement(0.8012, 5.9, 1.5), model_closer_dice: 0.6 },
      ],
      holdout: {
        patients: ['SC-HF-I-01', 'SC-HF-I-02'], n_cases: 10,
        per_kind: {
          exact: { n: 10, trainee: agreement(1, 0, 0), model: agreement(0.9134, 3.1, 0.8), model_closer_dice: 0, model_closer_hd: 0, failures: 0 },
          shift: { n: 10, trainee: agreement(0.7821, 6.42, 2.1), model: agreement(0.8567, 4.318, 1.1), model_closer_dice: 0.9, model_closer_hd: 0.8, failures: 1 },
          warp: { n: 0 },
        },
        overall: { n: 20, trainee: agreement(0.8911, 3.21, 1.05), model: agreement(0.8712, 4.276, 1.0349),
          model_closer_dice: 0.45, model_closer_hd: 0.4, failures: 1 },
      },
      libraries: { python: '3.12.3', tensorflow: '2.19.0', keras: '3.10.0', numpy: '2.1.3', scipy: '1.15.2', machine: 'x86_64', gpus: [] },
      final_loss: 0.1234,
      inference_seconds: { median: 0.0843, max: 0.1, what: 'one image, preprocessing + network + post-processing, model loaded' },
    },
    summary_markdown: '# Consensus model unet-w0.25-20250301T101500Z',
    ...overrides,
  };
}

/** A training run (GET /api/training-runs/{id}). */
export function trainingRun(overrides: Partial<TrainingRun> = {}): TrainingRun {
  return {
    id: 12, status: 'queued', progress: 0, message: 'Waiting for a worker', error: null, head: 'unet', width: 0.25,
    epochs: 6, folds: 3, phantoms: 24, datasets: [{ id: 2, name: 'T1 basics' }], model_id: null, model_version: null,
    created_at: '2025-03-01T09:00:00Z', started_at: null, finished_at: null,
    ...overrides,
  };
}
