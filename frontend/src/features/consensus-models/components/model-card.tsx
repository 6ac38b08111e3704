import { Num } from '@/components/num';
import { fmt, fmtDate } from '@/lib/format';
import type { ConsensusModelDetail, CrossValidationFold, HoldoutResult } from '../api/get-consensus-model';
import { errorKindLabel, fmtDuration, headLabel, LOSS_LABEL, toMs, truncateList } from '../lib/labels';
import { ActiveBadge } from './active-badge';

function CrossValidationTable({ folds }: { folds: CrossValidationFold[] }) {
  return (
    <div className="table-scroll">
      <table className="table" data-testid="cv-table">
        <caption>Cross-validation by patient (model and simulated trainee contours against the experts)</caption>
        <thead>
          <tr>
            <th scope="col">Fold</th>
            <th scope="col">Validation patients</th>
            <th scope="col" className="num-col">Model Dice</th>
            <th scope="col" className="num-col">Model HD (mm)</th>
            <th scope="col" className="num-col">Model MSD (mm)</th>
            <th scope="col" className="num-col">Trainee Dice</th>
          </tr>
        </thead>
        <tbody>
          {folds.map((f) => (
            <tr key={f.fold} data-testid={`cv-row-${f.fold}`}>
              <th scope="row">{f.fold}</th>
              <td title={(f.validation_patients ?? []).join(', ')} data-testid={`cv-patients-${f.fold}`}>
                {truncateList(f.validation_patients)}
              </td>
              <td className="num-col"><Num value={f.model_vs_expert?.dice} decimals={3} testId={`cv-${f.fold}-model-dice`} /></td>
              <td className="num-col"><Num value={f.model_vs_expert?.hd_mm} decimals={2} testId={`cv-${f.fold}-model-hd`} /></td>
              <td className="num-col"><Num value={f.model_vs_expert?.msd_mm} decimals={2} testId={`cv-${f.fold}-model-msd`} /></td>
              <td className="num-col"><Num value={f.trainee_vs_expert?.dice} decimals={3} testId={`cv-${f.fold}-trainee-dice`} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HoldoutRow({ kind, label, r, total = false }: { kind: string; label: string; r: HoldoutResult; total?: boolean }) {
  const id = (what: string) => `holdout-${kind}-${what}`;
  return (
    <tr data-testid={`holdout-row-${kind}`} className={total ? 'total-row' : undefined}>
      <th scope="row">{label}</th>
      <td className="num-col" data-testid={id('n')}>{r.n}</td>
      <td className="num-col"><Num value={r.trainee?.dice} decimals={3} testId={id('trainee-dice')} /></td>
      <td className="num-col"><Num value={r.model?.dice} decimals={3} testId={id('model-dice')} /></td>
      <td className="num-col"><Num value={r.trainee?.hd_mm} decimals={2} testId={id('trainee-hd')} /></td>
      <td className="num-col"><Num value={r.model?.hd_mm} decimals={2} testId={id('model-hd')} /></td>
      <td className="num-col"><Num value={r.model_closer_dice} decimals={2} testId={id('closer-dice')} /></td>
      <td className="num-col"><Num value={r.model_closer_hd} decimals={2} testId={id('closer-hd')} /></td>
      <td className="num-col" data-testid={id('failures')}>{r.failures ?? '—'}</td>
    </tr>
  );
}

function HoldoutTable({ holdout }: { holdout: NonNullable<ConsensusModelDetail['card']['holdout']> }) {
  const kinds = Object.entries(holdout.per_kind ?? {}).filter(([, r]) => r && r.n);
  return (
    <div className="table-scroll">
      <table className="table" data-testid="holdout-table">
        <caption>
          Held-out patients {truncateList(holdout.patients, 8)}
          {typeof holdout.n_cases === 'number' ? ` (${holdout.n_cases} frame${holdout.n_cases === 1 ? '' : 's'})` : ''}:
          {' '}simulated trainee contours and the model’s consensus, each against the experts
        </caption>
        <thead>
          <tr>
            <th scope="col">Trainee error</th>
            <th scope="col" className="num-col">n</th>
            <th scope="col" className="num-col">Trainee Dice</th>
            <th scope="col" className="num-col">Model Dice</th>
            <th scope="col" className="num-col">Trainee HD (mm)</th>
            <th scope="col" className="num-col">Model HD (mm)</th>
            <th scope="col" className="num-col">Model closer (Dice)</th>
            <th scope="col" className="num-col">Model closer (HD)</th>
            <th scope="col" className="num-col">Failures</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map(([kind, r]) => <HoldoutRow key={kind} kind={kind} label={errorKindLabel(kind)} r={r} />)}
          {holdout.overall?.n ? <HoldoutRow kind="all" label="All" r={holdout.overall} total /> : null}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The model card: what the model is (head, width, parameters), what it learnt from, how (optimiser, loss, epochs),
 * how long it took, the library versions, and how accurate it is against the experts (cross-validation and
 * held-out patients, beside simulated trainee contours).
 */
export function ModelCard({ model }: { model: ConsensusModelDetail }) {
  const card = model.card ?? {};
  const data = model.data;
  const libs = card.libraries;
  const opt = card.optimiser;
  const cfg = card.config;
  const folds = card.cross_validation ?? [];
  const inferenceMs = toMs(model.inference_seconds ?? card.inference_seconds?.median);
  return (
    <div className="stack">
      <div className="grid-2 align-start">
        <section className="card" aria-labelledby="model-heading">
          <h2 id="model-heading">Model</h2>
          <dl className="facts">
            <div><dt>Version</dt><dd data-testid="card-version">{model.version}</dd></div>
            <div>
              <dt>Status</dt>
              <dd>
                {model.is_active ? <ActiveBadge testId="card-active" /> : <span className="muted">not active</span>}
                {model.is_active && model.activated_at
                  ? <span className="muted small"> since {fmtDate(model.activated_at)}{model.activated_by ? ` (${model.activated_by})` : ''}</span>
                  : null}
              </dd>
            </div>
            <div><dt>Head</dt><dd data-testid="card-head">{headLabel(model.head)}</dd></div>
            {card.architecture ? <div><dt>Architecture</dt><dd className="small">{card.architecture}</dd></div> : null}
            {card.default_head_reason ? (
              <div><dt>Default head</dt><dd className="small" data-testid="card-default-head">
                {headLabel(card.default_head ?? '')}: {card.default_head_reason}</dd></div>
            ) : null}
            <div><dt>Width</dt><dd data-testid="card-width">{model.width ?? '—'} <span className="muted small">× VGG-16 filters (1 = the paper’s)</span></dd></div>
            <div><dt>Parameters</dt><dd data-testid="card-parameters">{typeof model.parameters === 'number' ? model.parameters.toLocaleString('en') : '—'}</dd></div>
            <div><dt>Created</dt><dd>{fmtDate(model.created_at)}</dd></div>
            <div>
              <dt>Accuracy</dt>
              <dd data-testid="card-accuracy">
                {model.accuracy ? (
                  <>Dice <Num value={model.accuracy.dice} decimals={3} /> · HD <Num value={model.accuracy.hd_mm} decimals={2} unit="mm" /> ·
                    MSD <Num value={model.accuracy.msd_mm} decimals={2} unit="mm" /> <span className="muted small">({model.accuracy.basis})</span></>
                ) : <span className="muted">not evaluated</span>}
              </dd>
            </div>
          </dl>
        </section>
        <section className="card" aria-labelledby="data-heading">
          <h2 id="data-heading">Data and training</h2>
          <dl className="facts">
            {data?.description ? <div><dt>Data</dt><dd>{data.description}</dd></div> : null}
            <div>
              <dt>Cases</dt>
              <dd data-testid="card-cases">
                {data?.n_cases ?? '—'}
                {data ? <span className="muted"> ({data.n_real_cases ?? '—'} real, {data.n_phantom_cases ?? '—'} phantom)</span> : null}
                {typeof data?.n_samples === 'number' ? <span className="muted"> · {data.n_samples} samples</span> : null}
              </dd>
            </div>
            <div>
              <dt>Training patients</dt>
              <dd title={(data?.train_patients ?? []).join(', ')} data-testid="card-patients">
                {truncateList(data?.train_patients, 8)}
                {data?.train_patients?.length ? <span className="muted"> ({data.train_patients.length})</span> : null}
              </dd>
            </div>
            <div><dt>Split</dt><dd>{data?.split ?? '—'}</dd></div>
            <div>
              <dt>Optimiser</dt>
              <dd data-testid="card-optimiser">
                {opt ? `${opt.name ?? '—'}, learning rate ${opt.learning_rate ?? '—'}, β₁ ${opt.beta_1 ?? '—'}, β₂ ${opt.beta_2 ?? '—'}` : '—'}
              </dd>
            </div>
            <div><dt>Loss</dt><dd data-testid="card-loss">{card.loss ? (LOSS_LABEL[card.loss] ?? card.loss) : '—'}</dd></div>
            <div>
              <dt>Schedule</dt>
              <dd>
                {cfg?.epochs ?? '—'} epochs, batch size {cfg?.batch_size ?? '—'}
                {typeof cfg?.folds === 'number' ? `, ${cfg.folds} cross-validation folds` : ''}
                {typeof card.final_loss === 'number' ? <span className="muted"> · final loss {fmt(card.final_loss, 4)}</span> : null}
              </dd>
            </div>
            <div><dt>Training time</dt><dd data-testid="card-training-time">{fmtDuration(model.training_seconds)}</dd></div>
            <div>
              <dt>Inference</dt>
              <dd data-testid="card-inference"><Num value={inferenceMs} decimals={0} unit="ms" /> <span className="muted small">per image (median, model loaded)</span></dd>
            </div>
            <div>
              <dt>Libraries</dt>
              <dd data-testid="card-libraries">
                {libs ? [
                  libs.tensorflow ? `TensorFlow ${libs.tensorflow}` : null,
                  libs.keras ? `Keras ${libs.keras}` : null,
                  libs.numpy ? `NumPy ${libs.numpy}` : null,
                  libs.python ? `Python ${libs.python}` : null,
                ].filter(Boolean).join(', ') || '—' : '—'}
                {libs?.machine ? <span className="muted small"> · {libs.machine}, {libs.gpus?.length ? `GPU ${libs.gpus.join(', ')}` : 'CPU'}</span> : null}
              </dd>
            </div>
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="holdout-heading">
        <h2 id="holdout-heading">Held-out patients</h2>
        {card.holdout ? (
          <>
            <HoldoutTable holdout={card.holdout} />
            <p className="hint">
              Means over the inputs. “Model closer”: the fraction of inputs where the model’s consensus is closer to the
              experts than the trainee contour it was given (higher Dice, lower Hausdorff distance); a failure (no
              plausible myocardium found) counts as not closer.
            </p>
          </>
        ) : (
          <p className="note">No patients were held out of this model’s training: its accuracy comes from cross-validation only.</p>
        )}
      </section>
      <section className="card" aria-labelledby="cv-heading">
        <h2 id="cv-heading">Cross-validation</h2>
        {folds.length ? <CrossValidationTable folds={folds} /> : <p className="note">This model was trained without cross-validation.</p>}
      </section>
      {model.summary_markdown ? (
        <details className="card">
          <summary>The card as text (Markdown)</summary>
          <pre className="markdown" data-testid="card-markdown">{model.summary_markdown}</pre>
        </details>
      ) : null}
    </div>
  );
}
