import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { cohortsKey, type Cohort } from './get-cohorts';

/** DELETE /api/cohorts/{id}/trainees/{user_id} (supervisor) → cohort. */
export type RemoveTraineeInput = { cohortId: number; userId: number };

export function removeTrainee({ cohortId, userId }: RemoveTraineeInput): Promise<Cohort> {
  return api.delete<Cohort>(`/api/cohorts/${cohortId}/trainees/${userId}`);
}

export function useRemoveTrainee() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: removeTrainee,
    onSuccess: (_d, v) => {
      void qc.invalidateQueries({ queryKey: cohortsKey });
      void qc.invalidateQueries({ queryKey: ['cohort-overview', v.cohortId] });
    },
  });
}
