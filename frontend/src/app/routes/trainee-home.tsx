import { useMemo } from 'react';
import { Link } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { VerdictLine } from '@/components/verdict';
import { useCases } from '@/features/cases/api/get-cases';
import { useCohorts } from '@/features/cohorts/api/get-cohorts';
import { useDatasets, type Dataset } from '@/features/datasets/api/get-datasets';
import { useTraineeAccreditation } from '@/features/progress/api/get-trainee-accreditation';
import { useTraineeErrorClasses } from '@/features/progress/api/get-trainee-error-classes';
import { AccreditationStatus } from '@/features/progress/components/accreditation-status';
import { ErrorClassChart } from '@/features/progress/components/error-class-chart';
import { ReportButton } from '@/features/reports/components/report-button';
import { toleranceSummary } from '@/features/datasets/lib/tolerances';
import type { Attempt } from '@/features/submissions/api/get-submissions';
import { useTraineeHistory } from '@/features/submissions/api/get-trainee-history';
import { errorMessage } from '@/lib/api-client';
import { fmtDice } from '@/lib/format';
import { FEEDBACK_MODE_LABEL, imageKindLabel } from '@/lib/vocabulary';
import { useCurrentUser } from '../layout';

type Latest = Map<number, Attempt>;

function DatasetCases({ dataset, latest }: { dataset: Dataset; latest: Latest }) {
  const cases = useCases(dataset.id);
  return (
    <section className="card" aria-labelledby={`ds-${dataset.id}`}>
      <div className="card-head">
        <h3 id={`ds-${dataset.id}`}>{dataset.name}</h3>
        <span className="muted small">{FEEDBACK_MODE_LABEL[dataset.feedback_mode] ?? dataset.feedback_mode}</span>
      </div>
      {dataset.description ? <p className="muted">{dataset.description}</p> : null}
      <p className="muted small" data-testid={`dataset-tolerances-${dataset.id}`}>Tolerances: {toleranceSummary(dataset)}</p>
      {cases.isPending ? <Loading what="Loading cases" /> : null}
      {cases.isError ? <ErrorBox>{errorMessage(cases.error)}</ErrorBox> : null}
      {cases.data?.length === 0 ? <p className="note">No cases in this dataset yet.</p> : null}
      {cases.data && cases.data.length > 0 ? (
        <table className="table stack-table">
          <caption className="visually-hidden">Cases in {dataset.name}</caption>
          <thead>
            <tr>
              <th scope="col">Case</th><th scope="col">Image</th><th scope="col" className="num-col">Attempts</th>
              <th scope="col" className="num-col">Latest myocardium Dice</th><th scope="col">Latest verdict</th>
            </tr>
          </thead>
          <tbody>
            {cases.data.map((c) => {
              const last = latest.get(c.id);
              return (
                <tr key={c.id} data-testid={`case-row-${c.id}`}>
                  <td data-label="Case"><Link to={`/cases/${c.id}`} data-testid={`case-link-${c.id}`}>{c.title}</Link></td>
                  <td data-label="Image">{imageKindLabel(c.image?.kind)}</td>
                  <td data-label="Attempts" className="num-col" data-testid={`case-attempts-${c.id}`}>{c.my_attempts}</td>
                  <td data-label="Latest Dice" className="num-col">
                    {last && last.status !== 'done' ? <span className="muted">{last.status}</span> : fmtDice(last?.dice)}
                  </td>
                  <td data-label="Latest verdict" className="verdict-col">
                    {last ? (
                      <>
                        <VerdictLine verdict={last.verdict} compact testId={`case-verdict-${c.id}`} />
                        <div>
                          <Link to={`/submissions/${last.id}`} className="small" data-testid={`case-latest-${c.id}`}>
                            Open attempt #{last.attempt}
                          </Link>
                        </div>
                      </>
                    ) : <span className="muted small">no attempt yet</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** A trainee's cohorts, their datasets and cases, with attempts so far and the latest Dice. */
export default function TraineeHome() {
  const user = useCurrentUser();
  const cohorts = useCohorts();
  const datasets = useDatasets();
  const history = useTraineeHistory(user.id);
  const accreditation = useTraineeAccreditation(user.id);
  const errorClasses = useTraineeErrorClasses(user.id);

  const latest: Latest = useMemo(() => {
    const m: Latest = new Map();
    const subs = [...(history.data?.submissions ?? [])].sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const s of subs) m.set(s.case_id, s);
    return m;
  }, [history.data]);

  const byId = new Map((datasets.data ?? []).map((d) => [d.id, d]));
  const shown = new Set<number>();

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Your cases</h1>
        <Link to="/practice" className="btn btn-primary" data-testid="practice-link">Practice on your own image</Link>
      </div>
      <p className="muted">
        Download a case’s image, draw the endocardium and epicardium in your usual software, and upload the contours
        for immediate feedback against the consensus.
      </p>
      <section className="card" aria-label="Progress report">
        <p className="muted small">A PDF summary of your attempts and tolerances so far, for your accreditation file.</p>
        <ReportButton kind="trainee" traineeId={user.id} label="Download my progress report (PDF)" />
      </section>
      {accreditation.isError ? <ErrorBox>{errorMessage(accreditation.error)}</ErrorBox> : null}
      {accreditation.data ? <AccreditationStatus datasets={accreditation.data.datasets} /> : null}
      {errorClasses.isError ? <ErrorBox>{errorMessage(errorClasses.error)}</ErrorBox> : null}
      {errorClasses.data && errorClasses.data.attempts.length > 0 ? (
        <section className="card" aria-labelledby="error-progress-heading">
          <h2 id="error-progress-heading">Your errors over attempts</h2>
          <p className="muted small">
            For each kind of error found in your contours: how many of your first, second, third… attempts on a case had it.
          </p>
          <ErrorClassChart data={errorClasses.data} />
        </section>
      ) : null}
      {cohorts.isPending || datasets.isPending ? <Loading what="Loading your cohorts" /> : null}
      {cohorts.isError ? <ErrorBox>{errorMessage(cohorts.error)}</ErrorBox> : null}
      {datasets.isError ? <ErrorBox>{errorMessage(datasets.error)}</ErrorBox> : null}
      {cohorts.data?.length === 0 ? <p className="note">You are not in a cohort yet. Ask your supervisor to add you.</p> : null}
      {cohorts.data?.map((cohort) => (
        <section key={cohort.id} aria-labelledby={`cohort-${cohort.id}`} className="panel">
          <h2 id={`cohort-${cohort.id}`}>{cohort.name}
            <span className="muted small"> · supervisor {cohort.supervisor.full_name || cohort.supervisor.username}</span></h2>
          {cohort.datasets.length === 0 ? <p className="note">No datasets assigned yet.</p> : null}
          <div className="stack">
            {cohort.datasets.map((ref) => {
              const d = byId.get(ref.id);
              if (!d || shown.has(d.id)) return null;
              shown.add(d.id);
              return <DatasetCases key={d.id} dataset={d} latest={latest} />;
            })}
          </div>
        </section>
      ))}
    </div>
  );
}
