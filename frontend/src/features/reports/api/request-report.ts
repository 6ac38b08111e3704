import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { reportKey, type ReportJob } from './get-report';

/**
 * POST /api/reports/ → 201 Job. A trainee report (supervisor: a trainee of their cohorts; trainee: themself,
 * trainee_id optional) or a class report (supervisor).
 */
export type RequestReportInput = components['schemas']['ReportIn'] &
  ({ kind: 'trainee'; trainee_id?: number } | { kind: 'cohort'; cohort_id: number });

export function requestReport(input: RequestReportInput): Promise<ReportJob> {
  return api.post<ReportJob>('/api/reports/', input);
}

export function useRequestReport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: requestReport,
    onSuccess: (job) => {
      qc.setQueryData(reportKey(job.id), job);
    },
  });
}
