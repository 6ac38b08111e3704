import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { API_DEFAULTS } from '@/lib/api-defaults';
import type { components } from '@/lib/api-schema';
import { trainingRunKey } from './get-training-run';
import { trainingRunsKey, type TrainingRun } from './get-training-runs';

/**
 * POST /api/training-runs/ (supervisor) → 201 Run; 400 {"detail","field"} e.g. when no chosen dataset has
 * gold-standard or expert contours.
 */
export type TrainingRunInput = Required<components['schemas']['TrainingRunIn']>;

/** The server's defaults for a new run (from the OpenAPI schema: src/lib/api-defaults.ts). */
export const DEFAULT_TRAINING: Omit<TrainingRunInput, 'dataset_ids'> = API_DEFAULTS.TrainingRunIn;

export function createTrainingRun(input: TrainingRunInput): Promise<TrainingRun> {
  return api.post<TrainingRun>('/api/training-runs/', input);
}

export function useCreateTrainingRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createTrainingRun,
    onSuccess: (run) => {
      qc.setQueryData(trainingRunKey(run.id), run);
      qc.setQueryData<TrainingRun[]>(trainingRunsKey, (old) => [run, ...(old ?? []).filter((r) => r.id !== run.id)]);
      void qc.invalidateQueries({ queryKey: trainingRunsKey });
    },
  });
}
