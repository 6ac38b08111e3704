import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ConsensusSource, FeedbackMode } from '@/lib/vocabulary';

/** GET /api/datasets/ */
export type Dataset = {
  id: number;
  name: string;
  description: string;
  cohort_ids: number[];
  n_cases: number;
  consensus_source: ConsensusSource;
  /** false until a CNN model is active: the UI must say so */
  automatic_consensus_available: boolean;
  feedback_mode: FeedbackMode;
  tolerance_dice: number;
  tolerance_map_ms: number;
  tolerance_wall_thickness_mm: number;
  /** Accredited when the last N submissions are within all tolerances on at least M distinct cases (default 3, 3). */
  accreditation_last_n: number;
  accreditation_min_cases: number;
};

export const datasetsKey = ['datasets'] as const;

export function getDatasets(signal?: AbortSignal): Promise<Dataset[]> {
  return api.get<Dataset[]>('/api/datasets/', signal);
}

export function useDatasets() {
  return useQuery({ queryKey: datasetsKey, queryFn: ({ signal }) => getDatasets(signal) });
}
