import { Link } from 'react-router';
import { AttemptsChart, type AttemptPoint } from '@/components/lazy-chart';
import { StatusBadge } from '@/components/status-badge';
import { ToleranceMark } from '@/components/tolerance-mark';
import { fmtDate, fmtDice, fmtMm, fmtShortDate, isNum } from '@/lib/format';
import type { TraineeHistory } from '../api/get-trainee-history';
import { attemptDice, attemptHausdorff, attemptWithin } from '../lib/summary';

/** A trainee's progress: Dice over time across all cases, and every attempt in a table. */
export function HistoryView({ history }: { history: TraineeHistory }) {
  const subs = [...history.submissions].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const points: AttemptPoint[] = subs
    .filter((s) => s.status === 'done')
    .map((s) => ({ label: fmtShortDate(s.created_at), dice: attemptDice(s), hausdorff_mm: attemptHausdorff(s) }));
  const tol = subs.map((s) => s.tolerance?.dice).find(isNum) ?? null;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="history-chart">
        <h2 id="history-chart">Dice and Hausdorff distance over time</h2>
        <AttemptsChart title="Dice and Hausdorff distance over time" points={points} toleranceDice={tol} />
      </section>
      <section className="card" aria-labelledby="history-table">
        <h2 id="history-table">All attempts</h2>
        {subs.length === 0 ? <p className="note">No attempts yet.</p> : (
          <div className="table-scroll">
            <table className="table compact" data-testid="history-table">
              <thead>
                <tr>
                  <th scope="col">Submitted</th><th scope="col">Case</th><th scope="col">Attempt</th>
                  <th scope="col">Status</th><th scope="col" className="num-col">Myocardium Dice</th>
                  <th scope="col" className="num-col">Hausdorff distance</th><th scope="col">All tolerances</th>
                </tr>
              </thead>
              <tbody>
                {[...subs].reverse().map((s) => (
                  <tr key={s.id}>
                    <td><Link to={`/submissions/${s.id}`}>{fmtDate(s.created_at)}</Link></td>
                    <td>{s.practice ? <span className="muted">Practice</span> : (s.case_title ?? '—')}</td>
                    <td>{s.attempt ?? '—'}</td>
                    <td><StatusBadge status={s.status} testId={`history-status-${s.id}`} /></td>
                    <td className="num-col">{fmtDice(attemptDice(s))}</td>
                    <td className="num-col">{fmtMm(attemptHausdorff(s))}{attemptHausdorff(s) !== null ? <span className="unit"> mm</span> : null}</td>
                    <td>{s.status === 'done' ? <ToleranceMark within={attemptWithin(s)} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
