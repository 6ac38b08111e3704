import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { ME_QUERY_KEY } from '@/lib/query-client';
import type { MeResponse } from './get-me';

/** POST /api/auth/logout → 204. */
export function logout(): Promise<void> {
  return api.post<void>('/api/auth/logout');
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      qc.clear();
      qc.setQueryData<MeResponse>(ME_QUERY_KEY, { user: null });
      // A fresh CSRF cookie for the next login.
      void qc.invalidateQueries({ queryKey: ME_QUERY_KEY });
    },
  });
}
