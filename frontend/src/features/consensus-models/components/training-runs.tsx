import { Link } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { fmtDate } from '@/lib/format';
import { TRAINING_RUN_POLL_INTERVAL_MS, useTrainingRun } from '../api/get-training-run';
import { isRunPending, useTrainingRuns, type TrainingRun } from '../api/get-training-runs';
import { headLabel, RUN_STATUS_LABEL } from '../lib/labels';

function clampPercent(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v))) : 0;
}

function RunStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const known = status in RUN_STATUS_LABEL;
  return (
    <span className={`badge badge-${known ? status : 'unknown'}`} data-testid={testId} data-status={status}>
      {isRunPending(status) ? <span className="spinner" aria-hidden="true" /> : null}
      {RUN_STATUS_LABEL[status] ?? status}
    </span>
  );
}

/** One run; while the list says it is queued or running, its state is polled every 2 s for the progress bar. */
function RunItem({ run, pollIntervalMs }: { run: TrainingRun; pollIntervalMs: number }) {
  const live = useTrainingRun(isRunPending(run.status) ? run.id : null, { pollIntervalMs });
  const r = live.data ?? run;
  const percent = clampPercent(r.progress);
  const label = `Training run #${r.id}`;
  return (
    <li className="card run" data-testid={`run-${r.id}`} aria-labelledby={`run-${r.id}-title`}>
      <div className="card-head">
        <h3 id={`run-${r.id}-title`}>
          {label} <span className="muted small">· {headLabel(r.head)}, width {r.width}, {r.epochs} epoch{r.epochs === 1 ? '' : 's'},
            {' '}{r.folds} fold{r.folds === 1 ? '' : 's'}, {r.phantoms} phantom{r.phantoms === 1 ? '' : 's'}</span>
        </h3>
        <RunStatusBadge status={r.status} testId={`run-status-${r.id}`} />
      </div>
      <p className="muted small">
        Datasets: {r.datasets.length ? r.datasets.map((d) => d.name).join(', ') : '—'} · requested {fmtDate(r.created_at)}
        {r.finished_at ? ` · finished ${fmtDate(r.finished_at)}` : ''}
      </p>
      <div aria-live="polite">
        {isRunPending(r.status) ? (
          <span className="report-progress">
            <progress data-testid={`run-progress-${r.id}`} aria-label={`${label}: progress`} max={100} value={percent}>
              {percent}%
            </progress>
            <span className="small" data-testid={`run-progress-text-${r.id}`}>
              {percent}%{r.message ? <span className="muted"> · {r.message}</span> : null}
            </span>
          </span>
        ) : null}
        {live.isError ? (
          <ErrorBox title="The run’s progress could not be read" testId={`run-error-${r.id}`}>{errorMessage(live.error)}</ErrorBox>
        ) : null}
        {r.status === 'failed' ? (
          <ErrorBox title="The training failed" testId={`run-error-${r.id}`}>
            {r.error || r.message || 'No reason was given.'}
          </ErrorBox>
        ) : null}
        {r.status === 'done' ? (
          <p className="small">
            {r.message ? <span className="muted">{r.message} · </span> : null}
            {r.model_id != null ? (
              <Link to={`/consensus-models/${r.model_id}`} data-testid={`run-model-link-${r.id}`}>
                See the model card{r.model_version ? ` (${r.model_version})` : ''}
              </Link>
            ) : <span className="muted">No model was recorded for this run.</span>}
            <span className="muted"> — it is not used until you activate it there.</span>
          </p>
        ) : null}
      </div>
    </li>
  );
}

/** The supervisor's training runs, newest first, each with its progress, message, error and its model card. */
export function TrainingRuns({ pollIntervalMs = TRAINING_RUN_POLL_INTERVAL_MS }: { pollIntervalMs?: number }) {
  const runs = useTrainingRuns();
  if (runs.isPending) return <Loading what="Loading the training runs" />;
  if (runs.isError) return <ErrorBox title="The training runs could not be loaded">{errorMessage(runs.error)}</ErrorBox>;
  if (runs.data.length === 0) return <p className="note">No training runs yet.</p>;
  return (
    <ul className="runs stack" data-testid="training-runs">
      {runs.data.map((r) => <RunItem key={r.id} run={r} pollIntervalMs={pollIntervalMs} />)}
    </ul>
  );
}
