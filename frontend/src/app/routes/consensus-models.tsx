import { Link } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { ModelsTable } from '@/features/consensus-models/components/models-table';
import { TrainingForm } from '@/features/consensus-models/components/training-form';
import { TrainingRuns } from '@/features/consensus-models/components/training-runs';
import { useDatasets } from '@/features/datasets/api/get-datasets';
import { errorMessage } from '@/lib/api-client';
import { useCurrentUser } from '../layout';
import { NotFoundRoute } from './not-found';

/** The automatic consensus (supervisors): the CNN models, a form to train one, and the training runs. */
export default function ConsensusModelsRoute() {
  const user = useCurrentUser();
  if (user.role !== 'supervisor') return <NotFoundRoute />;
  return <ConsensusModelsPage />;
}

function ConsensusModelsPage() {
  const datasets = useDatasets();
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › Consensus models</nav>
      <h1>Consensus models</h1>
      <p className="muted">
        A convolutional network (VGG-16 encoder) that turns a trainee’s contour into an expert-like consensus, for
        datasets with the automatic consensus and for practice uploads. Train one on your datasets’ gold-standard and
        expert contours, read its card (how close it comes to the experts on patients it never saw), then activate it.
      </p>
      <section className="card" aria-labelledby="models-heading">
        <h2 id="models-heading">Models</h2>
        <ModelsTable />
      </section>
      <div className="grid-2 align-start">
        <section className="card" aria-labelledby="train-heading">
          <h2 id="train-heading">Train a new model</h2>
          {datasets.isPending ? <Loading what="Loading your datasets" /> : null}
          {datasets.isError ? <ErrorBox>{errorMessage(datasets.error)}</ErrorBox> : null}
          {datasets.data ? <TrainingForm datasets={datasets.data} /> : null}
        </section>
        <section className="panel" aria-labelledby="runs-heading">
          <h2 id="runs-heading">Training runs</h2>
          <TrainingRuns />
        </section>
      </div>
    </div>
  );
}
