import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { ME_QUERY_KEY } from '@/lib/query-client';
import type { MeResponse } from './get-me';

/** POST /api/auth/login — 400 {"detail": "Wrong username or password."} on bad credentials. */
export type LoginInput = components['schemas']['LoginIn'];

export function login(input: LoginInput): Promise<MeResponse> {
  return api.post<MeResponse>('/api/auth/login', input);
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (data) => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_QUERY_KEY[0] });
      qc.setQueryData(ME_QUERY_KEY, data);
    },
  });
}
