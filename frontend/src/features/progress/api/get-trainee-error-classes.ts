import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/** GET /api/trainees/{id}/error-classes: each evaluated attempt, its number on its case and its stored error classes. */
export type TraineeErrorClasses = components['schemas']['TraineeErrorClasses'];

export function getTraineeErrorClasses(id: number, signal?: AbortSignal): Promise<TraineeErrorClasses> {
  return api.get<TraineeErrorClasses>(`/api/trainees/${id}/error-classes`, signal);
}

export function useTraineeErrorClasses(id: number | null | undefined) {
  return useQuery({
    queryKey: ['trainee-error-classes', id],
    queryFn: ({ signal }) => getTraineeErrorClasses(id as number, signal),
    enabled: typeof id === 'number',
  });
}
