import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '@/lib/api-client';
import { consensusModelsKey } from './get-consensus-models';
import { isRunPending, trainingRunsKey, type TrainingRun } from './get-training-runs';

/** Training takes minutes: every 2 s is often enough for the progress bar. */
export const TRAINING_RUN_POLL_INTERVAL_MS = 2000;

export function getTrainingRun(id: number, signal?: AbortSignal): Promise<TrainingRun> {
  return api.get<TrainingRun>(`/api/training-runs/${id}`, signal);
}

export const trainingRunKey = (id: number) => ['training-run', id] as const;

/** Polls every 2 s while the run is queued or running; stops once it is done or failed (or on an error). */
export function useTrainingRun(id: number | null, { pollIntervalMs = TRAINING_RUN_POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: trainingRunKey(id ?? -1),
    queryFn: ({ signal }) => getTrainingRun(id as number, signal),
    enabled: typeof id === 'number',
    refetchInterval: (q) => (q.state.status !== 'error' && isRunPending(q.state.data?.status) ? pollIntervalMs : false),
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
  // A finished run changes the list of runs, and a successful one adds a model to the models table.
  const status = query.data?.status;
  useEffect(() => {
    if (status === 'done' || status === 'failed') {
      void qc.invalidateQueries({ queryKey: trainingRunsKey });
      if (status === 'done') void qc.invalidateQueries({ queryKey: consensusModelsKey });
    }
  }, [status, qc]);
  return query;
}
