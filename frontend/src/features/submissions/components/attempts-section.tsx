import { Link } from 'react-router';
import { AttemptsChart, type AttemptPoint } from '@/components/lazy-chart';
import { ErrorBox, Loading } from '@/components/error-box';
import { StatusBadge } from '@/components/status-badge';
import { VerdictLine } from '@/components/verdict';
import { errorMessage } from '@/lib/api-client';
import { fmtDate, fmtDice, fmtMm } from '@/lib/format';
import { useSubmissions, type Attempt } from '../api/get-submissions';

/** Dice and myocardial Hausdorff distance of each evaluated attempt, as the list gives them. */
export function toPoints(list: Attempt[]): AttemptPoint[] {
  return list
    .filter((s) => s.status === 'done')
    .map((s) => ({ label: `#${s.attempt}`, dice: s.dice, hausdorff_mm: s.hausdorff_mm }));
}

/** A trainee's attempts on one case: Dice and Hausdorff distance over attempts, and the list with each verdict. */
export function AttemptsSection({ caseId, traineeId, toleranceDice, currentId, title = 'Your attempts on this case' }: {
  caseId: number;
  traineeId?: number | null;
  /** drawn on the chart as the Dice limit (the dataset's setting) */
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
          <div className="table-scroll">
            <table className="table compact attempts-table">
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Attempt</th><th scope="col">Submitted</th><th scope="col">Status</th>
                  <th scope="col" className="num-col">Myocardium Dice</th><th scope="col" className="num-col">Hausdorff distance</th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {[...list.data].reverse().map((s) => (
                  <tr key={s.id} className={s.id === currentId ? 'current-row' : undefined} data-testid={`attempt-row-${s.id}`}>
                    <td>
                      <Link to={`/submissions/${s.id}`} data-testid={`attempt-link-${s.id}`}>#{s.attempt}</Link>
                      {s.id === currentId ? <span className="muted small"> (this one)</span> : null}
                    </td>
                    <td>{fmtDate(s.created_at)}</td>
                    <td><StatusBadge status={s.status} testId={`attempt-status-${s.id}`} /></td>
                    <td className="num-col">{fmtDice(s.dice)}</td>
                    <td className="num-col">{fmtMm(s.hausdorff_mm)}{s.hausdorff_mm !== null ? <span className="unit"> mm</span> : null}</td>
                    <td className="verdict-col"><VerdictLine verdict={s.verdict} compact testId={`attempt-verdict-${s.id}`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
