import { Link } from 'react-router';
import { fmt, fmtDice } from '@/lib/format';
import { QUANTITY_LABEL } from '@/lib/vocabulary';
import { useRepeatability } from '../api/get-repeatability';
import { TRANSFORM_LABEL } from './repeat-case-panel';

/**
 * A trainee's repeatability on hidden repeat cases: for the supervisor, and for the trainee themself once they
 * have submitted to both a case and its repeat (the endpoint gives no row before that, so nothing is revealed early).
 */
export function RepeatabilityTable({ traineeId }: { traineeId: number }) {
  const q = useRepeatability(traineeId);
  if (!q.data || q.data.repeats.length === 0) return null;
  const rows = q.data.repeats;
  const quantity = QUANTITY_LABEL[rows.find((r) => r.map_quantity)?.map_quantity ?? ''] ?? 'map';
  return (
    <section className="card" aria-labelledby="repeatability-heading" data-testid="repeatability">
      <h2 id="repeatability-heading">Repeatability (the same image contoured twice)</h2>
      <p className="hint">
        Some cases were shown a second time under another name (the same image, possibly rotated or mirrored). The
        latest contour of each such case is compared with the latest contour of its repeat, mapped back onto the
        same pixels. Dice 1 and zero differences: a perfectly repeatable contour.
      </p>
      <div className="table-scroll">
        <table className="table compact" data-testid="repeatability-table">
          <thead>
            <tr>
              <th>Case</th><th>Shown again as</th><th>Image</th><th className="num-col">Dice</th>
              <th className="num-col">HD95 (mm)</th><th className="num-col">|Δ{quantity}| (ms)</th><th className="num-col">|ΔWT| (mm)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.repeat_case_id}>
                <td><Link to={`/cases/${r.case_id}`}>{r.case_title}</Link></td>
                <td><Link to={`/cases/${r.repeat_case_id}`}>{r.repeat_title}</Link></td>
                <td>{TRANSFORM_LABEL[r.transform] ?? r.transform}</td>
                <td className="num-col" data-testid="repeatability-dice">{fmtDice(r.dice)}</td>
                <td className="num-col">{fmt(r.hd95_mm, 1)}</td>
                <td className="num-col">{fmt(r.abs_delta_map, 1)}</td>
                <td className="num-col">{fmt(r.abs_delta_wall_thickness_mm, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
