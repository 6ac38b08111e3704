import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ConsensusSource, FeedbackMode } from '@/lib/vocabulary';
import { datasetsKey, type Dataset } from './get-datasets';

/** POST /api/datasets/ (supervisor) */
export type DatasetInput = {
  name: string;
  description: string;
  cohort_ids: number[];
  consensus_source: ConsensusSource;
  feedback_mode: FeedbackMode;
  tolerance_dice: number;
  tolerance_map_ms: number;
  tolerance_wall_thickness_mm: number;
  accreditation_last_n: number;
  accreditation_min_cases: number;
};

export function createDataset(input: DatasetInput): Promise<Dataset> {
  return api.post<Dataset>('/api/datasets/', input);
}

export function useCreateDataset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createDataset,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: datasetsKey });
      void qc.invalidateQueries({ queryKey: ['cohorts'] });
    },
  });
}
