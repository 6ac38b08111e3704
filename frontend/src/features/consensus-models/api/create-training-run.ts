import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ModelHead } from './get-consensus-models';
import { trainingRunKey } from './get-training-run';
import { trainingRunsKey, type TrainingRun } from './get-training-runs';

/**
 * POST /api/training-runs/ (supervisor) → 201 Run; 400 {"detail","field"} e.g. when no chosen dataset has
 * gold-standard or expert contours.
 */
export type TrainingRunInput = {
  dataset_ids: number[];
  head: ModelHead;
  /** filter multiplier of VGG-16, in (0, 1] */
  width: number;
  epochs: number;
  /** cross-validation folds by patient (0 or 1: none) */
  folds: number;
  /** synthetic phantom cases added to the training data */
  phantoms: number;
};

export const DEFAULT_TRAINING: Omit<TrainingRunInput, 'dataset_ids'> = {
  head: 'unet', width: 0.25, epochs: 6, folds: 3, phantoms: 24,
};

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
