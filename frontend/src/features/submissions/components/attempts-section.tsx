import { Link } from 'react-router';
import { AttemptsChart, type AttemptPoint } from '@/components/lazy-chart';
import { ErrorBox, Loading } from '@/components/error-box';
import { StatusBadge } from '@/components/status-badge';
import { ToleranceMark } from '@/components/tolerance-mark';
import { errorMessage } from '@/lib/api-client';
import { fmtDate, fmtDice, fmtMm } from '@/lib/format';
import { useSubmissions, type SubmissionSummary } from '../api/get-submissions';
import { attemptDice, attemptHausdorff, attemptWithin } from '../lib/summary';

export function toPoints(list: SubmissionSummary[]): AttemptPoint[] {
  return list
    .filter((s) => s.status === 'done')
    .map((s, i) => ({ label: `#${s.attempt ?? i + 1}`, dice: attemptDice(s), hausdorff_mm: attemptHausdorff(s) }));
}

/** A trainee's attempts on one case: Dice and Hausdorff distance over attempts, and the list. */
export function AttemptsSection({ caseId, traineeId, toleranceDice, currentId, title = 'Your attempts on this case' }: {
  caseId: number;
  traineeId?: number | null;
  toleranceDice?: number | null;
  currentId?: number;
  title?: string;
}) {
  const list = useSubmissions(caseId, traineeId);

  return (
    <section className="card" aria-labelledby={`attempts-${caseId}`}>
      <h2 id={`attempts-${caseId}`}>{title}</h2>
      {list.isPending ? <Loading what="Loading attempts" /> : null}
      {list.isError ? <ErrorBox>{errorMessage(list.error)}</ErrorBox> : null}
      {list.data && list.data.length === 0 ? <p className="note">No attempts yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <>
          <AttemptsChart title={`${title}: Dice and Hausdorff distance`} points={toPoints(list.data)} toleranceDice={toleranceDice} />
          <table className="table compact">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th><th scope="col">Submitted</th><th scope="col">Status</th>
                <th scope="col" className="num-col">Myocardium Dice</th><th scope="col" className="num-col">Hausdorff distance</th>
                <th scope="col">All tolerances</th>
              </tr>
            </thead>
            <tbody>
              {[...list.data].reverse().map((s, i) => (
                <tr key={s.id} className={s.id === currentId ? 'current-row' : undefined}>
                  <td>
                    <Link to={`/submissions/${s.id}`}>#{s.attempt ?? list.data.length - i}</Link>
                    {s.id === currentId ? <span className="muted small"> (this one)</span> : null}
                  </td>
                  <td>{fmtDate(s.created_at)}</td>
                  <td><StatusBadge status={s.status} testId={`attempt-status-${s.id}`} /></td>
                  <td className="num-col">{fmtDice(attemptDice(s))}</td>
                  <td className="num-col">{fmtMm(attemptHausdorff(s))}{attemptHausdorff(s) !== null ? <span className="unit"> mm</span> : null}</td>
                  <td>{s.status === 'done' ? <ToleranceMark within={attemptWithin(s)} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
