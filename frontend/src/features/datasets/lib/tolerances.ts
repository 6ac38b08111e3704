import type { Dataset } from '../api/get-datasets';

type Tolerances = Pick<Dataset, 'tolerance_dice' | 'tolerance_t1_ms' | 'tolerance_t2_ms' | 'tolerance_t2star_percent'
  | 'tolerance_t2star_ms' | 'tolerance_wall_thickness_mm' | 'tolerance_hd95_mm'>;

/** The T2* limit as the dataset states it: in ms when set (it replaces the percentage), else in % of the consensus. */
export function t2starLimit(d: Pick<Tolerances, 'tolerance_t2star_percent' | 'tolerance_t2star_ms'>): string {
  if (d.tolerance_t2star_ms != null) return `±${d.tolerance_t2star_ms} ms`;
  if (d.tolerance_t2star_percent != null) return `±${d.tolerance_t2star_percent} % of the consensus`;
  return '—';
}

/** A dataset's tolerances in one line, each with its unit (the settings as stored; the verdicts are the server's). */
export function toleranceSummary(d: Tolerances): string {
  return [
    `Dice ≥ ${d.tolerance_dice}`,
    `T1 ±${d.tolerance_t1_ms} ms`,
    `T2 ±${d.tolerance_t2_ms} ms`,
    `T2* ${t2starLimit(d)}`,
    `wall thickness ±${d.tolerance_wall_thickness_mm} mm`,
    d.tolerance_hd95_mm != null ? `HD95 ≤ ${d.tolerance_hd95_mm} mm` : 'HD95 not judged',
  ].join(' · ');
}
