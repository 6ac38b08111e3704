import { Link, useParams } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useConsensusModel } from '@/features/consensus-models/api/get-consensus-model';
import { ActivationPanel } from '@/features/consensus-models/components/activation-panel';
import { ModelCard } from '@/features/consensus-models/components/model-card';
import { errorMessage } from '@/lib/api-client';
import { useCurrentUser } from '../layout';
import { NotFoundRoute } from './not-found';

/** One model's card, and the only place to activate it (after reading its accuracy). */
export default function ConsensusModelRoute() {
  const user = useCurrentUser();
  if (user.role !== 'supervisor') return <NotFoundRoute />;
  return <ConsensusModelPage />;
}

function ConsensusModelPage() {
  const { modelId } = useParams();
  const id = Number(modelId);
  const valid = Number.isInteger(id);
  const model = useConsensusModel(valid ? id : null);
  if (!valid) return <ErrorBox>This model address is not valid.</ErrorBox>;
  if (model.isPending) return <Loading what="Loading the model card" />;
  if (model.isError) return <ErrorBox title="The model card could not be opened">{errorMessage(model.error)}</ErrorBox>;
  const m = model.data;
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/">Home</Link> › <Link to="/consensus-models">Consensus models</Link> › {m.version}
      </nav>
      <h1>Model card: {m.version}</h1>
      <ActivationPanel model={m} />
      <ModelCard model={m} />
    </div>
  );
}
