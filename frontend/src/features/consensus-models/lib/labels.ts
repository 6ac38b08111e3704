/** Words for the consensus models' enum values (ml/train.py, ml/data.py). */

export const HEAD_LABEL: Record<string, string> = {
  unet: 'U-Net',
  dense: 'Dense (the paper’s)',
};

export function headLabel(head: string | null | undefined): string {
  return head ? (HEAD_LABEL[head] ?? head) : '—';
}

/** The simulated trainee errors of the evaluations (ml/data.py ERROR_KINDS). */
export const ERROR_KIND_LABEL: Record<string, string> = {
  exact: 'Exact (an expert’s own contour)',
  shift: 'Shifted (both walls moved 1.5–3 px)',
  epi_out: 'Epicardium too far out (fat included)',
  endo_in: 'Endocardium too far in (trabeculae included)',
  rough: 'Rough outline (noise on every point)',
  trabeculae: 'Missed trabeculae over one arc',
  warp: 'Smooth warp of both walls',
};

export function errorKindLabel(kind: string): string {
  return ERROR_KIND_LABEL[kind] ?? kind;
}

export const LOSS_LABEL: Record<string, string> = {
  binary_crossentropy: 'Binary cross-entropy',
  dice_bce: 'Soft Dice + binary cross-entropy',
  mae: 'Mean absolute error (the paper’s)',
};

export const RUN_STATUS_LABEL: Record<string, string> = {
  queued: 'Queued',
  running: 'Training…',
  done: 'Done',
  failed: 'Failed',
};

/** "a, b, c, d and 3 more": the first `max` items of a long list. */
export function truncateList(items: readonly string[] | null | undefined, max = 4): string {
  const list = items ?? [];
  if (list.length === 0) return '—';
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

/** Seconds as "42 s", "3.5 min" or "1.2 h". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Seconds per image as milliseconds. */
export function toMs(seconds: number | null | undefined): number | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : null;
}
