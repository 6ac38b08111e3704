import { Link } from 'react-router';
import type { CohortAccreditation } from '../api/get-cohort-accreditation';

/** Trainees x datasets: each trainee's accreditation status on each dataset (its own rule). */
export function CohortAccreditationTable({ data }: { data: CohortAccreditation }) {
  const first = data.rows[0];
  if (!first || first.datasets.length === 0) return <p className="note">No trainees or datasets yet.</p>;
  return (
    <table className="table stack-table" data-testid="cohort-accreditation">
      <caption className="visually-hidden">Accreditation of each trainee per dataset</caption>
      <thead>
        <tr>
          <th scope="col">Trainee</th>
          {first.datasets.map((d) => <th key={d.dataset_id} scope="col" title={d.rule}>Accreditation: {d.dataset_name}</th>)}
        </tr>
      </thead>
      <tbody>
        {data.rows.map((r) => (
          <tr key={r.trainee_id}>
            <td data-label="Trainee"><Link to={`/trainees/${r.trainee_id}`}>{r.full_name || r.username}</Link></td>
            {r.datasets.map((d) => (
              <td key={d.dataset_id} data-label={d.dataset_name} title={d.explanation}
                data-testid={`acc-${r.trainee_id}-${d.dataset_id}`}>
                <span className={d.met ? 'mark mark-ok' : 'mark mark-bad'}>{d.met ? '✓ met' : '✗ not met'}</span>{' '}
                <span className="small">{d.cases_within} of {d.required} cases</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
