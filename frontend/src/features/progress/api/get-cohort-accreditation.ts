import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/** GET /api/cohorts/{id}/accreditation (its supervisor): each trainee's accreditation per dataset of the cohort. */
export type CohortAccreditation = components['schemas']['CohortAccreditation'];

export function getCohortAccreditation(id: number, signal?: AbortSignal): Promise<CohortAccreditation> {
  return api.get<CohortAccreditation>(`/api/cohorts/${id}/accreditation`, signal);
}

export function useCohortAccreditation(id: number | null | undefined) {
  return useQuery({
    queryKey: ['cohort-accreditation', id],
    queryFn: ({ signal }) => getCohortAccreditation(id as number, signal),
    enabled: typeof id === 'number',
  });
}
