import { Link, useNavigate } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { Num } from '@/components/num';
import { errorMessage } from '@/lib/api-client';
import { fmtDate } from '@/lib/format';
import { useConsensusModels } from '../api/get-consensus-models';
import { headLabel, toMs } from '../lib/labels';
import { ActiveBadge } from './active-badge';
import { NoActiveModelNote } from './no-active-model-note';

/**
 * The site's consensus models: version, head, width, the model's own accuracy (held-out patients, else the
 * cross-validation mean, with its basis), inference time, date and an "Active" badge. A row opens the model card.
 */
export function ModelsTable() {
  const models = useConsensusModels();
  const navigate = useNavigate();
  if (models.isPending) return <Loading what="Loading the consensus models" />;
  if (models.isError) return <ErrorBox title="The models could not be loaded">{errorMessage(models.error)}</ErrorBox>;
  const list = models.data;
  const anyActive = list.some((m) => m.is_active);
  return (
    <div className="stack">
      {!anyActive ? <NoActiveModelNote /> : null}
      {list.length === 0 ? (
        <p className="note">No models yet: train one with the form below.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="models-table">
            <caption className="visually-hidden">Consensus models</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Head</th>
                <th scope="col" className="num-col">Width</th>
                <th scope="col" className="num-col">Dice</th>
                <th scope="col" className="num-col">HD (mm)</th>
                <th scope="col" className="num-col">MSD (mm)</th>
                <th scope="col">Accuracy from</th>
                <th scope="col" className="num-col">Inference (ms)</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id} className={`clickable${m.is_active ? ' current-row' : ''}`} data-testid={`model-row-${m.id}`}
                  onClick={() => navigate(`/consensus-models/${m.id}`)}>
                  <td>
                    <Link to={`/consensus-models/${m.id}`} data-testid={`model-link-${m.id}`}
                      onClick={(e) => e.stopPropagation()}>{m.version}</Link>
                  </td>
                  <td>{headLabel(m.head)}</td>
                  <td className="num-col">{m.width ?? '—'}</td>
                  <td className="num-col"><Num value={m.accuracy?.dice} decimals={3} testId={`model-dice-${m.id}`} /></td>
                  <td className="num-col"><Num value={m.accuracy?.hd_mm} decimals={2} testId={`model-hd-${m.id}`} /></td>
                  <td className="num-col"><Num value={m.accuracy?.msd_mm} decimals={2} testId={`model-msd-${m.id}`} /></td>
                  <td className="small" data-testid={`model-basis-${m.id}`}>{m.accuracy?.basis ?? 'not evaluated'}</td>
                  <td className="num-col"><Num value={toMs(m.inference_seconds)} decimals={0} testId={`model-inference-${m.id}`} /></td>
                  <td>{fmtDate(m.created_at)}</td>
                  <td>{m.is_active ? <ActiveBadge testId={`model-active-${m.id}`} /> : <span className="muted small">not active</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
