import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { cohortsKey, type Cohort } from './get-cohorts';

/**
 * POST /api/cohorts/{id}/trainees (supervisor) {"username","full_name","password"}: creates a trainee account, or
 * adds the existing trainee with that username (the password is then ignored) → cohort.
 */
export type AddTraineeInput = { cohortId: number } & components['schemas']['TraineeIn'];

export function addTrainee({ cohortId, ...body }: AddTraineeInput): Promise<Cohort> {
  return api.post<Cohort>(`/api/cohorts/${cohortId}/trainees`, body);
}

export function useAddTrainee() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: addTrainee,
    onSuccess: (_d, v) => {
      void qc.invalidateQueries({ queryKey: cohortsKey });
      void qc.invalidateQueries({ queryKey: ['cohort-overview', v.cohortId] });
    },
  });
}
