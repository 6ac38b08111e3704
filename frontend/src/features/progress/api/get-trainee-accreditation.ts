import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/** GET /api/trainees/{id}/accreditation: per dataset, its own rule applied to its own cases (as in the PDF). */
export type TraineeAccreditation = components['schemas']['TraineeAccreditation'];
export type DatasetAccreditation = components['schemas']['DatasetAccreditation'];

export function getTraineeAccreditation(id: number, signal?: AbortSignal): Promise<TraineeAccreditation> {
  return api.get<TraineeAccreditation>(`/api/trainees/${id}/accreditation`, signal);
}

export function useTraineeAccreditation(id: number | null | undefined) {
  return useQuery({
    queryKey: ['trainee-accreditation', id],
    queryFn: ({ signal }) => getTraineeAccreditation(id as number, signal),
    enabled: typeof id === 'number',
  });
}
