import { Link } from 'react-router';
import { AttemptsChart, type AttemptPoint } from '@/components/lazy-chart';
import { StatusBadge } from '@/components/status-badge';
import { VerdictLine } from '@/components/verdict';
import { fmtDate, fmtDice, fmtMm, fmtShortDate } from '@/lib/format';
import type { TraineeHistory } from '../api/get-trainee-history';

/** A trainee's progress: Dice over time across all cases, and every attempt with its verdict in a table. */
export function HistoryView({ history }: { history: TraineeHistory }) {
  const subs = [...history.submissions].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const points: AttemptPoint[] = subs
    .filter((s) => s.status === 'done')
    .map((s) => ({ label: fmtShortDate(s.created_at), dice: s.dice, hausdorff_mm: s.hausdorff_mm }));
  // The Dice limit the latest verdict was judged against (drawn on the chart; the verdicts themselves are stored).
  const diceLimit = [...subs].reverse().flatMap((s) => s.verdict?.checks ?? []).find((c) => c.quantity === 'dice')?.limit ?? null;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="history-chart">
        <h2 id="history-chart">Dice and Hausdorff distance over time</h2>
        <AttemptsChart title="Dice and Hausdorff distance over time" points={points} toleranceDice={diceLimit} />
      </section>
      <section className="card" aria-labelledby="history-table">
        <h2 id="history-table">All attempts</h2>
        {subs.length === 0 ? <p className="note">No attempts yet.</p> : (
          <div className="table-scroll">
            <table className="table compact attempts-table" data-testid="history-table">
              <thead>
                <tr>
                  <th scope="col">Submitted</th><th scope="col">Case</th><th scope="col">Attempt</th>
                  <th scope="col">Status</th><th scope="col" className="num-col">Myocardium Dice</th>
                  <th scope="col" className="num-col">Hausdorff distance</th><th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {[...subs].reverse().map((s) => (
                  <tr key={s.id} data-testid={`history-row-${s.id}`}>
                    <td><Link to={`/submissions/${s.id}`} data-testid={`history-link-${s.id}`}>{fmtDate(s.created_at)}</Link></td>
                    <td>{s.case_title}</td>
                    <td>{s.attempt}</td>
                    <td><StatusBadge status={s.status} testId={`history-status-${s.id}`} /></td>
                    <td className="num-col">{fmtDice(s.dice)}</td>
                    <td className="num-col">{fmtMm(s.hausdorff_mm)}{s.hausdorff_mm !== null ? <span className="unit"> mm</span> : null}</td>
                    <td className="verdict-col"><VerdictLine verdict={s.verdict} compact testId={`history-verdict-${s.id}`} /></td>
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
