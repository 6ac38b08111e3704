import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { ME_QUERY_KEY } from '@/lib/query-client';
import type { Role } from '@/lib/vocabulary';

/** GET /api/auth/me — who is signed in; always sets the CSRF cookie. */
export type User = { id: number; username: string; full_name: string; role: Role };
export type MeResponse = { user: User | null };

export function getMe(signal?: AbortSignal): Promise<MeResponse> {
  return api.get<MeResponse>('/api/auth/me', signal);
}

export function useMe() {
  return useQuery({ queryKey: ME_QUERY_KEY, queryFn: ({ signal }) => getMe(signal), staleTime: 60_000 });
}
