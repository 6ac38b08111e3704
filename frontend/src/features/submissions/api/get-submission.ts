import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '@/lib/api-client';
import type { ContourPair, FeedbackMode, SubmissionStatus, UserRef } from '@/lib/vocabulary';

/** The analysis core's payload (README "manage.py assess"); undefined values are null, never a made-up 0. */
export type StructureAgreement = {
  dice: number | null;
  jaccard: number | null;
  sensitivity?: number | null;
  specificity?: number | null;
  ppv?: number | null;
  npv?: number | null;
  hausdorff_mm?: number | null;
  hd95_mm?: number | null;
  mean_surface_distance_mm?: number | null;
  flags?: string[];
};

export type Agreement = {
  myocardium: StructureAgreement | null;
  endocardium: StructureAgreement | null;
  epicardium: StructureAgreement | null;
};

export type WallThickness = {
  mean: number | null;
  sectors: (number | null)[];
  sector_names: string[];
  flags?: string[];
};

export type MapStatistics = {
  quantity: 't1_ms' | 't2_ms' | 't2star_ms' | string;
  mean: number | null;
  sd: number | null;
  median: number | null;
  iqr: number | null;
  n_pixels: number | null;
  /** T2* only */
  r2star_per_s?: number | null;
  iron?: { grade: string | null; field_strength_t: number | null; reason: string | null } | null;
  flags?: string[];
};

export type RaterValues = {
  myocardium_area_mm2: number | null;
  wall_thickness_mm: WallThickness | null;
  map: MapStatistics | null;
  iron_grade: string | null;
};

export type AssessmentPayload = {
  image: {
    kind: string;
    rows: number;
    columns: number;
    pixel_spacing_mm: [number, number];
    echo_times_ms: number[] | null;
    field_strength_t: number | null;
    units: string;
  };
  agreement: Agreement | null;
  trainee: RaterValues;
  reference: RaterValues | null;
  delta: {
    wall_thickness_mm: number | null;
    wall_thickness_sectors_mm?: (number | null)[];
    myocardium_area_mm2?: number | null;
    map_mean: number | null;
    map_quantity: string | null;
  } | null;
};

export type Tolerance = {
  dice: number;
  map_ms: number;
  wall_thickness_mm: number;
  within: { dice: boolean | null; map: boolean | null; wall_thickness: boolean | null; all: boolean | null };
};

/** GET /api/submissions/{id} */
export type Submission = {
  id: number;
  case_id: number | null;
  case_title: string;
  trainee: UserRef;
  created_at: string;
  attempt: number;
  practice: boolean;
  status: SubmissionStatus;
  error: string | null;
  feedback_mode: FeedbackMode;
  /** model_version: the CNN that produced an automatic consensus (null for other sources) */
  consensus: { source: string; version: string | number | null; contributors: number; model_version?: string | null } | null;
  /** e.g. the automatic consensus's own accuracy, or why there is no consensus */
  consensus_note?: string | null;
  contours: ContourPair;
  /** only in reveal mode */
  reference_contours: ContourPair | null;
  result: AssessmentPayload | null;
  tolerance: Tolerance | null;
  overlay_url: string | null;
};

/** The evaluation takes well under a second: poll briskly so the feedback appears as soon as it is ready. */
export const POLL_INTERVAL_MS = 300;

export function isPending(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export function getSubmission(id: number, signal?: AbortSignal): Promise<Submission> {
  return api.get<Submission>(`/api/submissions/${id}`, signal);
}

export const submissionKey = (id: number) => ['submission', id] as const;

/** Polls every 300 ms while the evaluation is queued or running; stops once it is done or failed. */
export function useSubmission(id: number, { pollIntervalMs = POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: submissionKey(id),
    queryFn: ({ signal }) => getSubmission(id, signal),
    refetchInterval: (q) => (isPending(q.state.data?.status) ? pollIntervalMs : false),
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
  // When the evaluation finishes, lists of attempts (this case's, the history) show stale statuses: refresh them.
  const status = query.data?.status;
  useEffect(() => {
    if (status === 'done' || status === 'failed') void qc.invalidateQueries({ queryKey: ['submissions'] });
  }, [status, qc]);
  return query;
}
