import { Link, useNavigate } from 'react-router';
import { failedLabels, VerdictMark } from '@/components/verdict';
import { fmtDice, fmtMm } from '@/lib/format';
import { personName } from '@/lib/vocabulary';
import type { CohortOverview, OverviewCell } from '../api/get-cohort-overview';

const CELL_CLASS: Record<string, string> = { within: 'cell-ok', outside: 'cell-bad', not_assessed: 'cell-none' };

/** A cell is coloured by the stored verdict of the latest attempt (grey while none). */
function cellClass(cell: OverviewCell | undefined): string {
  const r = cell?.latest?.verdict?.result;
  return r ? (CELL_CLASS[r] ?? 'cell-none') : 'cell-none';
}

function Cell({ cell, traineeName, caseTitle }: { cell: OverviewCell | undefined; traineeName: string; caseTitle: string }) {
  const navigate = useNavigate();
  if (!cell || cell.attempts === 0 || !cell.latest) {
    return <td className="cell-none matrix-cell"><span className="muted">no attempt</span></td>;
  }
  const { latest, best } = cell;
  const verdict = latest.verdict;
  const failed = verdict ? failedLabels(verdict) : [];
  const open = () => navigate(`/submissions/${latest.id}`);
  // The tooltip is the verdict's own sentence: which tolerance failed and by how much.
  const tooltip = verdict ? verdict.message : `The latest attempt is ${latest.status}.`;
  return (
    <td className={`matrix-cell clickable ${cellClass(cell)}`} data-testid={`overview-cell-${cell.case_id}`}
      data-result={verdict?.result ?? 'none'}>
      <button type="button" className="cell-button" onClick={open} title={tooltip} data-testid={`overview-open-${latest.id}`}
        aria-label={`${traineeName}, ${caseTitle}: open the latest attempt. ${tooltip}`}>
        <span className="cell-line">
          <VerdictMark verdict={verdict} />
        </span>
        {failed.length ? (
          <span className="cell-line cell-failed" data-testid={`overview-failed-${cell.case_id}`}>Failed: {failed.join(', ')}</span>
        ) : null}
        <span className="cell-line">
          Latest Dice <strong>{fmtDice(latest.dice)}</strong>
          {latest.hausdorff_mm != null ? <> · HD {fmtMm(latest.hausdorff_mm)} <span className="unit">mm</span></> : null}
        </span>
        {best ? (
          <span className="cell-line muted">
            Best Dice {fmtDice(best.dice)}
            {best.hausdorff_mm != null ? <> · HD {fmtMm(best.hausdorff_mm)} <span className="unit">mm</span></> : null}
          </span>
        ) : null}
        <span className="cell-line muted">{cell.attempts} attempt{cell.attempts === 1 ? '' : 's'}
          {latest.status !== 'done' ? ` · ${latest.status}` : ''}</span>
      </button>
    </td>
  );
}

/** Trainees × cases; each cell: the latest attempt's stored verdict (colour, mark, failed tolerances, tooltip) and
 * the latest and best Dice (and HD). */
export function OverviewMatrix({ overview }: { overview: CohortOverview }) {
  if (overview.rows.length === 0 || overview.cases.length === 0) {
    return (
      <p className="note">
        {overview.rows.length === 0 ? 'This cohort has no trainees yet.' : 'This cohort has no cases yet.'}
      </p>
    );
  }
  return (
    <div className="table-scroll">
      <table className="table matrix" data-testid="overview-table">
        <caption className="visually-hidden">Latest and best Dice per trainee and case</caption>
        <thead>
          <tr>
            <th scope="col">Trainee</th>
            {overview.cases.map((c) => (
              <th scope="col" key={c.id}>
                <Link to={`/cases/${c.id}`} data-testid={`case-link-${c.id}`}>{c.title}</Link>
                <div className="muted small">{c.dataset_name}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {overview.rows.map((row) => {
            const byCase = new Map(row.cells.map((c) => [c.case_id, c]));
            const name = personName(row.trainee);
            return (
              <tr key={row.trainee.id}>
                <th scope="row">
                  <Link to={`/trainees/${row.trainee.id}`} data-testid={`trainee-link-${row.trainee.id}`}>{name}</Link>
                </th>
                {overview.cases.map((c) => (
                  <Cell key={c.id} cell={byCase.get(c.id)} traineeName={name} caseTitle={c.title} />
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
