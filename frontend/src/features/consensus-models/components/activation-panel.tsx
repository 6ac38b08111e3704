import { useState } from 'react';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { useActivateConsensusModel } from '../api/activate-consensus-model';
import { useDeactivateConsensusModel } from '../api/deactivate-consensus-model';
import type { ConsensusModel } from '../api/get-consensus-models';
import { ActiveBadge } from './active-badge';

/**
 * Activate this model (after a confirmation), or, when it is the active one, deactivate it. Shown only on the
 * model card, so that the supervisor activates a model only after seeing its accuracy.
 */
export function ActivationPanel({ model }: { model: Pick<ConsensusModel, 'id' | 'version' | 'is_active' | 'activation_refusal'> }) {
  const [confirming, setConfirming] = useState<'activate' | 'deactivate' | null>(null);
  const activate = useActivateConsensusModel();
  const deactivate = useDeactivateConsensusModel();
  const busy = activate.isPending || deactivate.isPending;

  return (
    <section className="card activation" aria-labelledby="activation-heading">
      <h2 id="activation-heading">Use for feedback</h2>
      {model.is_active ? (
        <p className="status-line">
          <ActiveBadge testId="activation-active" />
          <span>Submissions to datasets with the automatic consensus, and practice uploads, are compared with this model.</span>
        </p>
      ) : (
        <p className="muted">
          Activating makes this the only model in use: every new submission to a dataset with the automatic consensus,
          and every practice upload, is compared with its contours; trainees see its accuracy beside their feedback.
        </p>
      )}
      {!model.is_active && model.activation_refusal ? (
        <ErrorBox title="Not safe to teach with yet" testId="activation-refusal">{model.activation_refusal}</ErrorBox>
      ) : null}
      {confirming === null ? (
        model.is_active ? (
          <button type="button" className="btn btn-danger" data-testid="deactivate" disabled={busy}
            onClick={() => setConfirming('deactivate')}>Deactivate</button>
        ) : (
          <button type="button" className="btn btn-primary" data-testid="activate" disabled={busy || Boolean(model.activation_refusal)}
            onClick={() => setConfirming('activate')}>Activate this model</button>
        )
      ) : (
        <div className="confirm" role="group" aria-label="Confirm" data-testid="activation-confirm">
          <p>
            {confirming === 'activate'
              ? `Activate ${model.version}? It replaces the model in use now for all new evaluations.`
              : 'Deactivate it? Datasets with the automatic consensus then show trainees only their own values until another model is activated.'}
          </p>
          <div className="button-row">
            <button type="button" className={confirming === 'activate' ? 'btn btn-primary' : 'btn btn-danger'}
              data-testid="activation-confirm-yes" disabled={busy}
              onClick={() => {
                const done = { onSettled: () => setConfirming(null) };
                if (confirming === 'activate') activate.mutate(model.id, done);
                else deactivate.mutate(undefined, done);
              }}>
              {confirming === 'activate' ? 'Yes, activate' : 'Yes, deactivate'}
            </button>
            <button type="button" className="btn" data-testid="activation-confirm-cancel" disabled={busy}
              onClick={() => setConfirming(null)}>Cancel</button>
          </div>
        </div>
      )}
      {activate.isError ? <ErrorBox title="The model was not activated" testId="activation-error">{errorMessage(activate.error)}</ErrorBox> : null}
      {deactivate.isError ? <ErrorBox title="The model was not deactivated" testId="activation-error">{errorMessage(deactivate.error)}</ErrorBox> : null}
    </section>
  );
}
