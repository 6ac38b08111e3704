import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useCase, type Case } from '@/features/cases/api/get-case';
import { useReference } from '@/features/cases/api/get-reference';
import { CaseInfo } from '@/features/cases/components/case-info';
import { CaseManagePanel } from '@/features/cases/components/case-manage-panel';
import { ExpertConsensusPanel } from '@/features/cases/components/expert-consensus-panel';
import { RepeatCasePanel } from '@/features/cases/components/repeat-case-panel';
import { RvInsertionPanel, rvInsertionLabel, rvPoint, useSaveRvPoint } from '@/features/cases/components/rv-insertion-panel';
import { useDataset } from '@/features/datasets/api/get-dataset';
import { AttemptsSection } from '@/features/submissions/components/attempts-section';
import { UploadForm } from '@/features/submissions/components/upload-form';
import { ImageViewer } from '@/features/viewer/components/image-viewer';
import { errorMessage } from '@/lib/api-client';
import { CONSENSUS_SOURCE_LABEL } from '@/lib/vocabulary';
import { useCurrentUser } from '../layout';

function SupervisorCase({ c }: { c: Case }) {
  const ref = useReference(c.id, true);
  const note = ref.isError ? `The consensus contours are not available: ${errorMessage(ref.error)}` : null;
  const [picking, setPicking] = useState(false);
  const savePoint = useSaveRvPoint(c.id, () => setPicking(false));
  const label = rvInsertionLabel(c);
  const point = rvPoint(c);
  const marker = point && label ? { ...point, label } : null;
  const manages = c.rv_insertion != null; // only the supervisor who manages the dataset gets it
  return (
    <>
      {ref.data ? (
        <p className="muted">
          Consensus: {CONSENSUS_SOURCE_LABEL[ref.data.source] ?? ref.data.source}
          {ref.data.contributors ? `, ${ref.data.contributors} contour set${ref.data.contributors === 1 ? '' : 's'}` : ''}
          {ref.data.version != null ? `, version ${ref.data.version}` : ''}.
        </p>
      ) : null}
      {c.expert_consensus ? <ExpertConsensusPanel consensus={c.expert_consensus} /> : null}
      {manages ? <RvInsertionPanel c={c} picking={picking} onPickingChange={setPicking} /> : null}
      <ImageViewer caseId={c.id} trainee={null} reference={ref.data ?? null} referenceNote={note} marker={marker}
        onPick={picking ? savePoint : null} />
    </>
  );
}

/** A case: the image, its download, the upload form and the trainee's attempts so far. */
export default function CaseRoute() {
  const { caseId } = useParams();
  const id = Number(caseId);
  const user = useCurrentUser();
  const navigate = useNavigate();
  const c = useCase(Number.isInteger(id) ? id : null);
  const dataset = useDataset(c.data?.dataset_id);

  if (!Number.isInteger(id)) return <ErrorBox>This case address is not valid.</ErrorBox>;
  if (c.isPending) return <Loading what="Loading the case" />;
  if (c.isError) return <ErrorBox title="The case could not be opened">{errorMessage(c.error)}</ErrorBox>;

  const data = c.data;
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › {data.dataset_name}</nav>
      <div className="page-head">
        <h1>{data.title}</h1>
        {user.role === 'trainee' ? (
          <span className="muted">{data.my_attempts} attempt{data.my_attempts === 1 ? '' : 's'} so far</span>
        ) : null}
      </div>
      <div className="grid-2 align-start">
        <CaseInfo c={data} />
        {user.role === 'trainee' ? (
          <div className="stack">
            <section className="card" aria-labelledby="draw-heading">
              <h2 id="draw-heading">Contour in the browser</h2>
              <p className="muted">Draw the endocardium and the epicardium on the image, save a draft, and submit.</p>
              <Link className="btn btn-primary" to={`/cases/${data.id}/draw`} data-testid="draw-link">Draw contours</Link>
            </section>
            <UploadForm mode="case" caseId={data.id} onCreated={(s) => navigate(`/submissions/${s.id}`)} />
          </div>
        ) : null}
      </div>
      {user.role === 'trainee' ? (
        <AttemptsSection caseId={data.id} toleranceDice={dataset.data?.tolerance_dice} />
      ) : (
        <SupervisorCase c={data} />
      )}
      {user.role === 'supervisor' ? <RepeatCasePanel c={data} /> : null}
      {user.role === 'supervisor' && data.rv_insertion != null ? (
        <CaseManagePanel c={data} onDeleted={() => navigate('/')} />
      ) : null}
    </div>
  );
}
