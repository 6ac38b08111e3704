import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { cohortsKey, type Cohort } from './get-cohorts';

/** POST /api/cohorts/ (supervisor) {"name"} → cohort. */
export type CreateCohortInput = components['schemas']['CohortIn'];

export function createCohort(input: CreateCohortInput): Promise<Cohort> {
  return api.post<Cohort>('/api/cohorts/', input);
}

export function useCreateCohort() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: createCohort, onSuccess: () => qc.invalidateQueries({ queryKey: cohortsKey }) });
}
