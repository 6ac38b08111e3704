/** The field's terms for the contract's enum values (docs/api.md; ../shared/docs/domain.md). */

export type Role = 'trainee' | 'supervisor';
export type ImageKind = 't1_map' | 't2_map' | 't2star_series' | 'magnitude';
export type ConsensusSource = 'gold_standard' | 'expert_consensus' | 'team_average' | 'automatic';
export type FeedbackMode = 'reveal' | 'score_only';
export type SubmissionStatus = 'queued' | 'running' | 'done' | 'failed';
export type MapQuantity = 't1_ms' | 't2_ms' | 't2star_ms';

/** A person as the API nests it. */
export type UserRef = { id: number; username: string; full_name: string };

export const IMAGE_KIND_LABEL: Record<string, string> = {
  t1_map: 'T1 map',
  t2_map: 'T2 map',
  t2star_series: 'T2* multi-echo series',
  magnitude: 'Magnitude image',
};

export const CONSENSUS_SOURCE_LABEL: Record<string, string> = {
  gold_standard: 'Gold standard (supervisor upload)',
  expert_consensus: 'Expert consensus (STAPLE of the experts’ contours)',
  team_average: 'Team average (majority vote of the trainees’ contours)',
  automatic: 'Automatic consensus (CNN)',
};

export const FEEDBACK_MODE_LABEL: Record<string, string> = {
  reveal: 'Reveal consensus contours',
  score_only: 'Score only (consensus contours hidden)',
};

export const QUANTITY_LABEL: Record<string, string> = { t1_ms: 'T1', t2_ms: 'T2', t2star_ms: 'T2*', signal: 'signal intensity' };

export function imageKindLabel(kind: string | null | undefined): string {
  return kind ? (IMAGE_KIND_LABEL[kind] ?? kind) : '—';
}

export function personName(u: { username: string; full_name?: string | null } | null | undefined): string {
  if (!u) return '—';
  return u.full_name ? `${u.full_name} (${u.username})` : u.username;
}

/** A contour point in pixel coordinates: [x = column, y = row], integers at pixel centres. */
export type Point = [number, number];

/** The two LV contours; the myocardium is the ring between them. */
export type ContourPair = { endocardium: Point[] | null; epicardium: Point[] | null };
