import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/** GET /api/trainees/{id}/history (supervisor; a trainee only for self): the trainee and their attempts (`Attempt`). */
export type TraineeHistory = components['schemas']['TraineeHistory'];

export function getTraineeHistory(id: number, signal?: AbortSignal): Promise<TraineeHistory> {
  return api.get<TraineeHistory>(`/api/trainees/${id}/history`, signal);
}

export function useTraineeHistory(id: number | null | undefined) {
  return useQuery({
    queryKey: ['trainee-history', id],
    queryFn: ({ signal }) => getTraineeHistory(id as number, signal),
    enabled: typeof id === 'number',
  });
}
