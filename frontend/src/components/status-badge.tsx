import type { SubmissionStatus } from '@/lib/vocabulary';

const LABEL: Record<SubmissionStatus, string> = {
  queued: 'Queued',
  running: 'Evaluating…',
  done: 'Done',
  failed: 'Failed',
};

/** The evaluation state of a submission; text carries the meaning, colour only repeats it. */
export function StatusBadge({ status, testId = 'status-badge' }: { status: SubmissionStatus | string; testId?: string }) {
  const known = status in LABEL ? (status as SubmissionStatus) : null;
  return (
    <span className={`badge badge-${known ?? 'unknown'}`} data-testid={testId} data-status={status} role="status">
      {known === 'queued' || known === 'running' ? <span className="spinner" aria-hidden="true" /> : null}
      {known ? LABEL[known] : status}
    </span>
  );
}
