import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ModelHead } from './get-consensus-models';

export type TrainingRunStatus = 'queued' | 'running' | 'done' | 'failed';

/** GET /api/training-runs/{id}: a training run of a consensus model (the supervisor's own). */
export type TrainingRun = {
  id: number;
  status: TrainingRunStatus;
  /** 0..100 */
  progress: number;
  message: string | null;
  error: string | null;
  head: ModelHead;
  width: number;
  epochs: number;
  folds: number;
  phantoms: number;
  datasets: { id: number; name: string }[];
  /** the model it produced, once done (not active until a supervisor activates it from its card) */
  model_id: number | null;
  model_version: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

export function isRunPending(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export const trainingRunsKey = ['training-runs'] as const;

/** GET /api/training-runs/ — the supervisor's own runs, newest first. */
export function getTrainingRuns(signal?: AbortSignal): Promise<TrainingRun[]> {
  return api.get<TrainingRun[]>('/api/training-runs/', signal);
}

export function useTrainingRuns() {
  return useQuery({ queryKey: trainingRunsKey, queryFn: ({ signal }) => getTrainingRuns(signal) });
}
