import { Link, useParams } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useCohortOverview } from '@/features/cohorts/api/get-cohort-overview';
import { OverviewMatrix } from '@/features/cohorts/components/overview-matrix';
import { useCohortAccreditation } from '@/features/progress/api/get-cohort-accreditation';
import { CohortAccreditationTable } from '@/features/progress/components/cohort-accreditation-table';
import { ExportLink } from '@/features/exports/components/export-link';
import { ReportButton } from '@/features/reports/components/report-button';
import { errorMessage } from '@/lib/api-client';
import { useCurrentUser } from '../layout';

/** A cohort at a glance: trainees × cases. */
export default function CohortOverviewRoute() {
  const { cohortId } = useParams();
  const id = Number(cohortId);
  const user = useCurrentUser();
  const overview = useCohortOverview(id);
  const accreditation = useCohortAccreditation(Number.isInteger(id) ? id : null);
  if (overview.isPending) return <Loading what="Loading the cohort" />;
  if (overview.isError) return <ErrorBox title="The cohort could not be opened">{errorMessage(overview.error)}</ErrorBox>;
  const o = overview.data;
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › {o.cohort.name}</nav>
      <h1>{o.cohort.name}: overview</h1>
      {user.role === 'supervisor' ? <ReportButton kind="cohort" cohortId={o.cohort.id} label="Class report (PDF)" /> : null}
      {user.role === 'supervisor' ? <ExportLink scope="cohort" id={o.cohort.id} label="Class results (CSV)" /> : null}
      <p className="muted">
        Each cell shows the verdict on a trainee’s latest attempt on a case
        <span className="legend-inline"><span className="mark mark-ok">✓ within</span> all tolerances,
        <span className="mark mark-bad">✗ outside</span> at least one (named in the cell; point at it for by how much)</span>,
        and the latest and best myocardium Dice (and Hausdorff distance). Click a cell to open the latest attempt,
        a name for the trainee’s history.
      </p>
      <section className="card">
        <OverviewMatrix overview={o} />
      </section>
      {accreditation.data ? (
        <section className="card" aria-labelledby="cohort-accreditation-heading">
          <h2 id="cohort-accreditation-heading">Accreditation per dataset</h2>
          <p className="muted small">Each dataset’s own rule, applied to its own cases (point at a cell for the explanation).</p>
          <CohortAccreditationTable data={accreditation.data} />
        </section>
      ) : null}
    </div>
  );
}
