import { Link, useParams } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useTraineeHistory } from '@/features/submissions/api/get-trainee-history';
import { useTraineeAccreditation } from '@/features/progress/api/get-trainee-accreditation';
import { AccreditationStatus } from '@/features/progress/components/accreditation-status';
import { RepeatabilityTable } from '@/features/cases/components/repeatability-table';
import { ExportLink } from '@/features/exports/components/export-link';
import { ReportButton } from '@/features/reports/components/report-button';
import { HistoryView } from '@/features/submissions/components/history-view';
import { errorMessage } from '@/lib/api-client';
import { personName } from '@/lib/vocabulary';
import { useCurrentUser } from '../layout';

/** One trainee's progress over time. */
export default function TraineeHistoryRoute() {
  const { traineeId } = useParams();
  const id = Number(traineeId);
  const user = useCurrentUser();
  const history = useTraineeHistory(Number.isInteger(id) ? id : null);
  const accreditation = useTraineeAccreditation(Number.isInteger(id) ? id : null);
  if (history.isPending) return <Loading what="Loading the history" />;
  if (history.isError) return <ErrorBox title="The history could not be opened">{errorMessage(history.error)}</ErrorBox>;
  const self = user.id === history.data.trainee.id;
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › {self ? 'My progress' : personName(history.data.trainee)}</nav>
      <h1>{self ? 'My progress' : `Progress of ${personName(history.data.trainee)}`}</h1>
      {user.role === 'supervisor' ? (
        <div className="button-row">
          <ReportButton kind="trainee" traineeId={history.data.trainee.id} label="Trainee report (PDF)" />
          <ExportLink scope="trainee" id={history.data.trainee.id} label="Results (CSV)" />
        </div>
      ) : null}
      {accreditation.data ? <AccreditationStatus datasets={accreditation.data.datasets} /> : null}
      <HistoryView history={history.data} />
      <RepeatabilityTable traineeId={history.data.trainee.id} />
    </div>
  );
}
