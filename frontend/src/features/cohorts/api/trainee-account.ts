import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { cohortsKey } from './get-cohorts';

/** A trainee as their supervisor sees them (active or deactivated; a hospital-directory account or a local one). */
export type TraineeAccount = components['schemas']['AccountOut'];
export type PasswordReset = components['schemas']['PasswordResetOut'];

/**
 * POST /api/trainees/{id}/password (supervisor) {"password"?} → {"user","password","temporary"}: sets a temporary
 * password (or the given one); the trainee's sessions end. 400 for a directory account (changed in the directory).
 */
export function resetTraineePassword({ traineeId, password }: { traineeId: number; password?: string }): Promise<PasswordReset> {
  return api.post<PasswordReset>(`/api/trainees/${traineeId}/password`, password ? { password } : {});
}

/** PATCH /api/trainees/{id}/account (supervisor) {"is_active"} → the account: deactivates or reactivates it. */
export function setTraineeActive({ traineeId, isActive }: { traineeId: number; isActive: boolean }): Promise<TraineeAccount> {
  return api.patch<TraineeAccount>(`/api/trainees/${traineeId}/account`, { is_active: isActive });
}

export function useResetTraineePassword() {
  return useMutation({ mutationFn: resetTraineePassword });
}

export function useSetTraineeActive() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: setTraineeActive,
    onSuccess: () => void qc.invalidateQueries({ queryKey: cohortsKey }),
  });
}
