import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ImageKind } from '@/lib/vocabulary';

/** GET /api/cases/{id} */
export type CaseImage = {
  kind: ImageKind;
  rows: number;
  columns: number;
  /** [dy, dx] in mm (DICOM Pixel Spacing order: row, column) */
  pixel_spacing_mm: [number, number];
  echo_times_ms: number[] | null;
  field_strength_t: number | null;
  units: 'ms' | 'a.u.' | string;
};

export type Case = {
  id: number;
  title: string;
  dataset_id: number;
  dataset_name: string;
  created_at: string;
  image: CaseImage;
  n_expert_contours: number;
  my_attempts: number;
  /** true when THIS user may see the consensus contours now */
  reference_available: boolean;
  /** archived by its supervisor: hidden from trainees, kept in reports and exports */
  archived?: boolean;
  /** The anterior RV insertion point (pixels, x = column, y = row; null when not set); only for the supervisor
   * who manages the dataset (null for everyone else). */
  rv_insertion?: RvInsertion | null;
  /** The expert consensus (STAPLE of the experts' contours) with each expert's reliability; only for the supervisor
   * who manages the dataset, and only when the case has one. */
  expert_consensus?: ExpertConsensus | null;
};

/** Each expert's sensitivity and specificity (0..1) for the myocardium against the STAPLE estimate (null for a
 * majority vote of two). */
export type ExpertReliability = { reference_id: number; rater: string; sensitivity: number | null; specificity: number | null };
export type ExpertConsensus = {
  version: number;
  method: 'staple' | 'majority' | null;
  rater: string;
  n_experts: number | null;
  raters: ExpertReliability[];
};

/** An estimate (confirmed false) or a point a supervisor set or confirmed (confirmed true). */
export type RvInsertion = { x: number | null; y: number | null; confirmed: boolean };

export function getCase(id: number, signal?: AbortSignal): Promise<Case> {
  return api.get<Case>(`/api/cases/${id}`, signal);
}

export function useCase(id: number | null | undefined) {
  return useQuery({
    queryKey: ['case', id],
    queryFn: ({ signal }) => getCase(id as number, signal),
    enabled: typeof id === 'number',
  });
}
