import type { DatasetAccreditation } from '../api/get-trainee-accreditation';

/** "Accreditation: 2 of 3 cases — the last 3 submissions on 2 cases are within every tolerance" (the stored values). */
export function accreditationHeadline(d: DatasetAccreditation): string {
  const subs = d.last_n === 1 ? 'the last submission' : `the last ${d.last_n} submissions`;
  const on = d.cases_within === 1 ? '1 case' : `${d.cases_within} cases`;
  const verb = d.last_n === 1 && d.cases_within === 1 ? 'is' : 'are';
  return `Accreditation: ${d.cases_within} of ${d.required} case${d.required === 1 ? '' : 's'} — ${subs} on ${on} ${verb} within every tolerance`;
}

/** One box per dataset: met or not, the numbers, the explanation and the dataset's rule. */
export function AccreditationStatus({ datasets }: { datasets: DatasetAccreditation[] }) {
  if (datasets.length === 0) return null;
  return (
    <div className="stack" data-testid="accreditation">
      {datasets.map((d) => (
        <section key={d.dataset_id} className={d.met ? 'note' : 'note note-warn'} aria-label={`Accreditation on ${d.dataset_name}`}
          data-testid={`accreditation-${d.dataset_id}`}>
          <p>
            <strong>{d.dataset_name}</strong>{' '}
            <span className={d.met ? 'mark mark-ok' : 'mark mark-bad'}>{d.met ? '✓ met' : '✗ not met yet'}</span>
          </p>
          <p data-testid={`accreditation-headline-${d.dataset_id}`}>{accreditationHeadline(d)}.</p>
          <p className="small">{d.explanation}</p>
          <p className="small muted">{d.rule}</p>
        </section>
      ))}
    </div>
  );
}
