import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/**
 * POST /api/auth/password {"old_password","new_password"} → {"user"}; this session stays signed in. 400 names the
 * field: a wrong current password, or the site's password rules' own messages (too short, too common, ...).
 */
export type ChangePasswordInput = components['schemas']['PasswordChangeIn'];
export type ChangePasswordResponse = components['schemas']['UserEnvelopeOut'];

export function changePassword(input: ChangePasswordInput): Promise<ChangePasswordResponse> {
  return api.post<ChangePasswordResponse>('/api/auth/password', input);
}

export function useChangePassword() {
  return useMutation({ mutationFn: changePassword });
}
