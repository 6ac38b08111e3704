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

/** The evaluation takes well under a second: poll briskly so the feedback appears as soon as it is ready. */
export const POLL_INTERVAL_MS = 300;

export function isPending(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export function getSubmission(id: number, signal?: AbortSignal): Promise<Submission> {
  return api.get<Submission>(`/api/submissions/${id}`, signal);
}

export const submissionKey = (id: number) => ['submission', id] as const;

/** Polls every 300 ms while the evaluation is queued or running; stops once it is done or failed. */
export function useSubmission(id: number, { pollIntervalMs = POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: submissionKey(id),
    queryFn: ({ signal }) => getSubmission(id, signal),
    refetchInterval: (q) => (isPending(q.state.data?.status) ? pollIntervalMs : false),
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
