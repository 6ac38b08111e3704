import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { cohortsKey, type Cohort } from './get-cohorts';

/** PATCH /api/cohorts/{id} (its supervisor): rename, or archive (hidden from its trainees) / bring back. */
export function updateCohort({ id, ...patch }: { id: number } & components['schemas']['PatchedCohortUpdateIn']): Promise<Cohort> {
  return api.patch<Cohort>(`/api/cohorts/${id}`, patch);
}

/** DELETE /api/cohorts/{id}: the cohort and its class reports; its trainees' accounts and work stay. */
export function deleteCohort(id: number): Promise<components['schemas']['DeletedOut']> {
  return api.delete(`/api/cohorts/${id}`);
}

export function useUpdateCohort() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: updateCohort, onSuccess: () => void qc.invalidateQueries({ queryKey: cohortsKey }) });
}

export function useDeleteCohort() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteCohort,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cohortsKey });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
