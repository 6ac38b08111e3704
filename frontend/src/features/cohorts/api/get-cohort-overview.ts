import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import type { Cohort } from './get-cohorts';

type Schemas = components['schemas'];

/**
 * GET /api/cohorts/{id}/overview (supervisor): trainees x cases; each cell has the latest and the best attempt
 * (`Attempt`: `id` is the submission, `verdict` the stored verdict). The schema describes `cohort` as a plain object
 * (as GET /api/cohorts/ gives it), so it is read as a Cohort.
 */
export type OverviewAttempt = Schemas['Attempt'];
export type OverviewCell = Schemas['OverviewCell'];
export type CohortOverview = Omit<Schemas['CohortOverview'], 'cohort'> & { cohort: Cohort };

export function getCohortOverview(id: number, signal?: AbortSignal): Promise<CohortOverview> {
  return api.get<CohortOverview>(`/api/cohorts/${id}/overview`, signal);
}

export function useCohortOverview(id: number) {
  return useQuery({ queryKey: ['cohort-overview', id], queryFn: ({ signal }) => getCohortOverview(id, signal) });
}
