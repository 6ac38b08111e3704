import type { ConsensusModelDetail } from '@/features/consensus-models/api/get-consensus-model';
import type { ConsensusModel } from '@/features/consensus-models/api/get-consensus-models';
import type { TrainingRun } from '@/features/consensus-models/api/get-training-runs';
import type { Dataset } from '@/features/datasets/api/get-datasets';
import type { EvaluationSummary, Submission } from '@/features/submissions/api/get-submission';
import type { Attempt } from '@/features/submissions/api/get-submissions';
import type { components } from '@/lib/api-schema';

type Schemas = components['schemas'];
export type Verdict = Schemas['Verdict'];
export type ToleranceCheck = Schemas['ToleranceCheck'];

const SECTORS = ['anterior', 'anterolateral', 'inferolateral', 'inferior', 'inferoseptal', 'anteroseptal'];

/** The checks of a verdict as backend/cmr/summary.py writes them (Dice, T1, wall thickness). */
export function checks({ dice = 0.8986568986568987, deltaT1 = 5.1599552572707, deltaWt = 1.3879139876263888 } = {}): ToleranceCheck[] {
  const within = (label: string, quantity: ToleranceCheck['quantity'], d: number, limit: number, unit: string, digits: number): ToleranceCheck => {
    const margin = limit - Math.abs(d);
    const passed = Math.abs(d) <= limit;
    const signed = `${d >= 0 ? '+' : ''}${d.toFixed(digits)}`;
    const message = passed
      ? `${label}: differs by ${signed} ${unit}, within the limit of ±${limit.toFixed(digits)} ${unit}.`
      : `${label}: differs by ${signed} ${unit}, ${(-margin).toFixed(digits)} ${unit} over the limit of ±${limit.toFixed(digits)} ${unit}.`;
    return { quantity, label, measured: d, limit, unit, comparison: 'within', passed, margin, message };
  };
  const dicePassed = dice >= 0.85;
  return [
    { quantity: 'dice', label: 'Myocardial Dice', measured: dice, limit: 0.85, unit: '', comparison: 'at_least', passed: dicePassed,
      margin: dice - 0.85,
      message: dicePassed ? `Myocardial Dice ${dice.toFixed(3)} meets the minimum 0.85.`
        : `Myocardial Dice ${dice.toFixed(3)} is ${(0.85 - dice).toFixed(3)} below the minimum 0.85.` },
    within('Myocardial T1', 't1', deltaT1, 8.4, 'ms', 1),
    within('Mean wall thickness', 'wall_thickness', deltaWt, 1.5, 'mm', 2),
  ];
}

/** A stored verdict made of `checks` (the backend's sentence: what failed and by how much). */
export function verdict(cs: ToleranceCheck[] = checks()): Verdict {
  const failed = cs.filter((c) => c.passed === false);
  if (failed.length) {
    return { result: 'outside', message: `Outside expert agreement. ${failed.map((c) => c.message).join(' ')}`,
      failed: failed.map((c) => c.quantity), checks: cs };
  }
  return { result: 'within', checks: cs, failed: [],
    message: `Within expert agreement on all ${cs.length} tolerances (${cs.map((c, i) => (i ? c.label.charAt(0).toLowerCase() + c.label.slice(1) : c.label)).join(', ')}).` };
}

/** The verdict of the example: Dice fine, myocardial T1 +22.9 ms, 14.5 ms over the limit of ±8.4 ms. */
export function outsideVerdict(): Verdict {
  return verdict(checks({ deltaT1: 22.9 }));
}

/** An evaluation summary like backend/cmr/summary.py builds for the demo T1 map (within all tolerances). */
export function summary(overrides: Partial<EvaluationSummary> = {}): EvaluationSummary {
  const wt = (mean: number, sectors: number[]) => ({ mean_mm: mean, sectors_mm: sectors, sector_names: SECTORS,
    min_mm: Math.min(...sectors) - 0.5, max_mm: Math.max(...sectors) + 0.5 });
  const map = (mean: number, sd: number, median: number, iqr: number, n: number): Schemas['MapValues'] => ({
    quantity: 't1_ms', unit: 'ms', mean, sd, median, iqr, n_pixels: n, r2star_per_s: null, iron_grade: null, fit_model: null,
    n_echoes_used: null });
  return {
    version: 1, map_quantity: 't1_ms', map_unit: 'ms',
    agreement: {
      myocardium: { dice: 0.8986568986568987, jaccard: 0.8159645232815964, hausdorff_mm: 3.3333, hd95_mm: 2.7758785911514865,
        mean_surface_distance_mm: 0.74, sensitivity: 0.989247311827957, specificity: 0.9967360766815403,
        ppv: 0.8232662192393736, npv: 0.9998342243773053 },
      endocardium: { dice: 0.992548435171386, jaccard: 0.985207100591716, hausdorff_mm: 0.31390676327189054,
        hd95_mm: 0.2864998957681966, mean_surface_distance_mm: 0.13018354364114504, sensitivity: null, specificity: null,
        ppv: null, npv: null },
      epicardium: { dice: 0.8, jaccard: 0.6666, hausdorff_mm: 3.3333, hd95_mm: 2.7758785911514865,
        mean_surface_distance_mm: 1.3847762501071335, sensitivity: null, specificity: null, ppv: null, npv: null },
    },
    trainee: { myocardium_area_mm2: 1753.7707327851094, wall_thickness: wt(9.327009999772955, [9.99, 9.15, 8.82, 8.67, 9.34, 9.96]),
      map: map(1040.1599552572707, 88.56727045439911, 1024.0, 81.0, 894) },
    consensus: { myocardium_area_mm2: 1458.6216884853784, wall_thickness: wt(7.939096012146566, [8.47, 9.06, 8.5, 7.28, 6.8, 7.47]),
      map: map(1035.0, 50.56492805453105, 1014.5, 65.25, 744) },
    delta: { map: 5.1599552572707, map_percent: 0.4985, wall_thickness_mm: 1.3879139876263888,
      wall_thickness_sectors_mm: [1.52, 0.09, 0.32, 1.39, 2.54, 2.49], myocardium_area_mm2: 295.14904429973103 },
    tolerances: { dice: 0.85, t1_ms: 8.4, t2_ms: 2.2, t2star_percent: 10, t2star_ms: null, wall_thickness_mm: 1.5, hd95_mm: null },
    verdict: verdict(),
    warnings: [],
    error_classes: [],
    segments: [],
    ...overrides,
  };
}

export function submission(overrides: Partial<Submission> = {}): Submission {
  return {
    id: 7, case_id: 3, case_title: 'Mid T1', trainee: { id: 11, username: 'alice', full_name: 'Alice A', role: 'trainee' },
    created_at: '2025-01-02T10:00:00Z', attempt: 1, practice: false, status: 'done', error: null,
    feedback_mode: 'reveal',
    consensus: { source: 'gold_standard', label: 'Gold standard', version: 1, contributors: 1, model_version: null },
    consensus_note: null,
    contours: { endocardium: [[10, 10], [20, 10], [20, 20]], epicardium: [[5, 5], [25, 5], [25, 25]] },
    consensus_contours: null, summary: summary(),
    overlay_url: '/api/submissions/7/overlay.png', analysis_seconds: 0.4, history: [],
    ...overrides,
  };
}

/** One attempt in a list (GET /api/submissions/?case=, the history, an overview cell). */
export function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    id: 7, case_id: 3, case_title: 'Mid T1', trainee_id: 11, attempt: 1, created_at: '2025-01-02T10:00:00Z', status: 'done',
    dice: 0.8986568986568987, hausdorff_mm: 3.3333, hd95_mm: 2.7758785911514865, map_quantity: 't1_ms',
    delta_map: 5.1599552572707, delta_wall_thickness_mm: 1.3879139876263888, verdict: verdict(),
    ...overrides,
  };
}

/** A dataset as GET /api/datasets/ gives it (the backend's default tolerances). */
export function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    id: 2, name: 'T1 basics', description: '', cohort_ids: [5], n_cases: 2, consensus_source: 'gold_standard',
    automatic_consensus_available: false, feedback_mode: 'reveal', tolerance_dice: 0.85, tolerance_t1_ms: 8.4,
    tolerance_t2_ms: 2.2, tolerance_t2star_percent: 10, tolerance_t2star_ms: null, tolerance_wall_thickness_mm: 1.5,
    tolerance_hd95_mm: null, accreditation_last_n: 3, accreditation_min_cases: 3, archived: false,
    ...overrides,
  };
}

/** A consensus model as GET /api/consensus-models/ lists it (a U-Net at width 0.25 with held-out patients). */
export function consensusModel(overrides: Partial<ConsensusModel> = {}): ConsensusModel {
  return {
    id: 4, version: 'unet-w0.25-20250301T101500Z', head: 'unet', is_active: false, created_at: '2025-03-01T10:15:00Z',
    activated_at: null, activated_by: null, width: 0.25, parameters: 1_953_617,
    accuracy: { dice: 0.8712, hd_mm: 4.276, msd_mm: 1.0349, basis: 'held-out patients SC-HF-I-01, SC-HF-I-02' },
    activation_refusal: null,
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
