import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

type Schemas = components['schemas'];

/**
 * GET /api/submissions/{id}: one attempt with its stored evaluation summary (`summary`, null until the evaluation is
 * done). Every type here is the OpenAPI schema's (src/lib/api-schema.d.ts, `npm run api-types`): a renamed key fails
 * `tsc`. The summary is built once by the backend (backend/cmr/summary.py); the UI displays it and never re-judges.
 */
export type Submission = Schemas['Submission'];
export type EvaluationSummary = Schemas['EvaluationSummary'];
export type Agreement = Schemas['Agreement'];
export type StructureAgreement = Schemas['StructureAgreement'];
export type RaterValues = Schemas['RaterValues'];
export type MapValues = Schemas['MapValues'];
export type SummaryDelta = Schemas['Delta'];
export type SummaryWarning = Schemas['SummaryWarning'];

export type SubmissionStatus = Schemas['SubmissionStatus'];

/** The evaluation takes well under a second: poll briskly so the feedback appears as soon as it is ready... */
export const POLL_INTERVAL_MS = 300;
/** ...then more slowly while a busy worker queue catches up (a class uploading at once), at most every 2 s. */
export const MAX_POLL_INTERVAL_MS = 2000;

/** The delay before the n-th poll (n = 0, 1, ...): 300 ms, growing by half each time up to the maximum. */
export function pollDelay(n: number, first = POLL_INTERVAL_MS): number {
  return Math.min(MAX_POLL_INTERVAL_MS, Math.round(first * 1.5 ** Math.max(0, n)));
}

export function isPending(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export function getSubmission(id: number, signal?: AbortSignal): Promise<Submission> {
  return api.get<Submission>(`/api/submissions/${id}`, signal);
}

/** GET /api/submissions/{id}/status: the status alone (one small query), what is polled while waiting. */
export function getSubmissionStatus(id: number, signal?: AbortSignal): Promise<SubmissionStatus> {
  return api.get<SubmissionStatus>(`/api/submissions/${id}/status`, signal);
}

export const submissionKey = (id: number) => ['submission', id] as const;

/**
 * The attempt; while its evaluation is queued or running, only the cheap status is polled (300 ms, then slower up
 * to every 2 s), and the whole attempt is fetched again once the status changes. Stops once done or failed.
 */
export function useSubmission(id: number, { pollIntervalMs = POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: submissionKey(id),
    queryFn: async ({ signal }) => {
      const prev = qc.getQueryData<Submission>(submissionKey(id));
      if (prev && isPending(prev.status)) {
        const now = await getSubmissionStatus(id, signal);
        if (now.status === prev.status) return prev;
      }
      return getSubmission(id, signal);
    },
    refetchInterval: (q) => (isPending(q.state.data?.status) ? pollDelay(q.state.dataUpdateCount - 1, pollIntervalMs) : false),
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
  // When the evaluation finishes, lists of attempts (this case's, the history) show stale statuses: refresh them.
  const status = query.data?.status;
  useEffect(() => {
    if (status === 'done' || status === 'failed') void qc.invalidateQueries({ queryKey: ['submissions'] });
  }, [status, qc]);
  return query;
}
