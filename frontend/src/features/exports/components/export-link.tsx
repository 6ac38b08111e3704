/** GET /api/exports/results.csv?{scope}={id} (supervisor): one row per submission, every number of its summary. */
export type ExportScope = 'cohort' | 'dataset' | 'trainee';

export function resultsCsvUrl(scope: ExportScope, id: number): string {
  return `/api/exports/results.csv?${scope}=${encodeURIComponent(String(id))}`;
}

/** A download link for the results CSV of a cohort, a dataset or a trainee (the browser downloads the file). */
export function ExportLink({ scope, id, label = 'Results (CSV)' }: { scope: ExportScope; id: number; label?: string }) {
  return (
    <a className="btn" href={resultsCsvUrl(scope, id)} download data-testid={`export-${scope}`}>
      {label}
    </a>
  );
}
