import { ErrorBox } from '@/components/error-box';
import { StatusBadge } from '@/components/status-badge';
import type { Submission } from '../api/get-submission';

/** The evaluation status, and what to do when it failed. */
export function SubmissionStatusLine({ submission }: { submission: Pick<Submission, 'status' | 'error'> }) {
  const { status, error } = submission;
  return (
    <div className="status-line">
      <span className="muted">Evaluation:</span> <StatusBadge status={status} />
      {status === 'queued' || status === 'running' ? (
        <span className="muted small"> This page updates by itself when the evaluation is finished.</span>
      ) : null}
      {status === 'failed' ? (
        <ErrorBox title="The evaluation failed" testId="submission-error">
          {error || 'No reason was given.'} Check your contour file and upload it again.
        </ErrorBox>
      ) : null}
    </div>
  );
}
