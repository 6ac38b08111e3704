import { useState } from 'react';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { isReportPending, REPORT_POLL_INTERVAL_MS, useReport } from '../api/get-report';
import { useRequestReport, type RequestReportInput } from '../api/request-report';

type Props = {
  kind: 'trainee' | 'cohort';
  /** The trainee of a trainee report (a trainee's own report may leave it out). */
  traineeId?: number;
  /** The cohort of a class report. */
  cohortId?: number;
  label: string;
  /** Appended to the data-testids (report-request-…) where a page shows several buttons. */
  testIdSuffix?: string;
  pollIntervalMs?: number;
};

function clampPercent(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v))) : 0;
}

/** Requests a PDF report, follows its progress (polling every second), then offers the download. */
export function ReportButton({ kind, traineeId, cohortId, label, testIdSuffix, pollIntervalMs = REPORT_POLL_INTERVAL_MS }: Props) {
  const [jobId, setJobId] = useState<number | null>(null);
  const request = useRequestReport();
  const job = useReport(jobId, { pollIntervalMs });
  const tid = (name: string) => (testIdSuffix ? `${name}-${testIdSuffix}` : name);

  const data = job.data;
  const running = request.isPending || (jobId !== null && (job.isPending || isReportPending(data?.status)));

  function start() {
    const input: RequestReportInput =
      kind === 'cohort'
        ? { kind: 'cohort', cohort_id: cohortId as number }
        : traineeId === undefined ? { kind: 'trainee' } : { kind: 'trainee', trainee_id: traineeId };
    request.mutate(input, { onSuccess: (j) => setJobId(j.id) });
  }

  const percent = clampPercent(data?.progress);

  return (
    <div className="report">
      <button type="button" className="btn" data-testid={tid('report-request')} onClick={start} disabled={running}>
        {label}
      </button>
      <div className="report-state" aria-live="polite">
        {request.isError ? (
          <ErrorBox title="The report could not be requested" testId={tid('report-error')}>{errorMessage(request.error)}</ErrorBox>
        ) : null}
        {job.isError ? (
          <ErrorBox title="The report's progress could not be read" testId={tid('report-error')}>{errorMessage(job.error)}</ErrorBox>
        ) : null}
        {data && isReportPending(data.status) ? (
          <span className="report-progress">
            <progress data-testid={tid('report-progress')} aria-label={`${label}: progress`} max={100} value={percent}>
              {percent}%
            </progress>
            <span className="small" data-testid={tid('report-progress-text')}>
              {percent}%{data.message ? <span className="muted"> · {data.message}</span> : null}
            </span>
          </span>
        ) : null}
        {data?.status === 'done' ? (
          data.pdf_url ? (
            <a className="btn btn-primary btn-small" href={data.pdf_url} download data-testid={tid('report-download')}>
              Download the PDF
            </a>
          ) : (
            <ErrorBox testId={tid('report-error')}>The report finished but has no PDF. Please request it again.</ErrorBox>
          )
        ) : null}
        {data?.status === 'failed' ? (
          <ErrorBox title="The report failed" testId={tid('report-error')}>
            {data.message || 'No reason was given.'} Please try again.
          </ErrorBox>
        ) : null}
      </div>
    </div>
  );
}
