import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export type ReportKind = 'trainee' | 'cohort';
export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

/** GET /api/reports/{id}: a report job (only the requester's own jobs). */
export type ReportJob = {
  id: number;
  kind: ReportKind;
  status: ReportStatus;
  /** 0..100 */
  progress: number;
  message: string | null;
  trainee_id: number | null;
  cohort_id: number | null;
  created_at: string;
  /** "/api/reports/{id}/pdf" once the PDF is ready */
  pdf_url: string | null;
};

export const REPORT_POLL_INTERVAL_MS = 1000;

export function isReportPending(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export function getReport(id: number, signal?: AbortSignal): Promise<ReportJob> {
  return api.get<ReportJob>(`/api/reports/${id}`, signal);
}

export const reportKey = (id: number) => ['report', id] as const;

/** Polls every second while the report is queued or running; stops once it is done or failed (or on an error). */
export function useReport(id: number | null, { pollIntervalMs = REPORT_POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}) {
  return useQuery({
    queryKey: reportKey(id ?? -1),
    queryFn: ({ signal }) => getReport(id as number, signal),
    enabled: typeof id === 'number',
    refetchInterval: (query) =>
      query.state.status !== 'error' && isReportPending(query.state.data?.status) ? pollIntervalMs : false,
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
}
