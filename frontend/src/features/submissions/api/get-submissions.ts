import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/**
 * GET /api/submissions/?case={id}: the user's own attempts on the case, oldest first (a supervisor adds
 * &trainee={user_id}). Each item is an `Attempt` of the OpenAPI schema: `id` is the submission (its feedback page is
 * /submissions/{id}), with the headline numbers and the stored `verdict` (null while not done).
 */
export type Attempt = components['schemas']['Attempt'];

export function submissionsUrl(caseId: number, traineeId?: number | null): string {
  const q = new URLSearchParams({ case: String(caseId) });
  if (traineeId != null) q.set('trainee', String(traineeId));
  return `/api/submissions/?${q.toString()}`;
}

export function getSubmissions(caseId: number, traineeId?: number | null, signal?: AbortSignal): Promise<Attempt[]> {
  return api.get<Attempt[]>(submissionsUrl(caseId, traineeId), signal);
}

export const submissionsKey = (caseId: number, traineeId?: number | null) => ['submissions', caseId, traineeId ?? null] as const;

/** While an attempt in the list is queued or running, the list is refreshed every `pollWhilePendingMs`. */
export function useSubmissions(caseId: number | null | undefined, traineeId?: number | null, { pollWhilePendingMs = 3000 } = {}) {
  return useQuery({
    queryKey: submissionsKey(caseId ?? -1, traineeId),
    queryFn: ({ signal }) => getSubmissions(caseId as number, traineeId, signal),
    enabled: typeof caseId === 'number',
    refetchInterval: (query) =>
      query.state.data?.some((s) => s.status === 'queued' || s.status === 'running') ? pollWhilePendingMs : false,
  });
}
