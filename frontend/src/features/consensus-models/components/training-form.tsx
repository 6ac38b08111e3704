import { useId, useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { ApiError, errorMessage } from '@/lib/api-client';
import { DEFAULT_TRAINING, useCreateTrainingRun, type TrainingRunInput } from '../api/create-training-run';
import type { ModelHead } from '../api/get-consensus-models';
import type { TrainingRun } from '../api/get-training-runs';

type DatasetOption = { id: number; name: string; n_cases?: number };

const FIELD_LABEL: Record<string, string> = {
  dataset_ids: 'Datasets', head: 'Head', width: 'Width', epochs: 'Epochs', folds: 'Folds', phantoms: 'Phantoms',
};

/** A cleared number input gives NaN: show it empty (the field is required) rather than pass NaN to React. */
const numValue = (v: number) => (Number.isNaN(v) ? '' : v);

/**
 * "Train a new model": the supervisor's datasets whose gold-standard / expert contours it learns from, the head,
 * epochs, width, cross-validation folds and phantoms → POST /api/training-runs/.
 */
export function TrainingForm({ datasets, onCreated }: { datasets: DatasetOption[]; onCreated?: (run: TrainingRun) => void }) {
  const [ids, setIds] = useState<number[]>([]);
  const [form, setForm] = useState(DEFAULT_TRAINING);
  const [localError, setLocalError] = useState<string | null>(null);
  const [created, setCreated] = useState<TrainingRun | null>(null);
  const create = useCreateTrainingRun();
  const uid = useId();
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm((f) => ({ ...f, [key]: value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.reset();
    if (ids.length === 0) {
      setLocalError('Choose at least one dataset to train on.');
      return;
    }
    setLocalError(null);
    const body: TrainingRunInput = { dataset_ids: ids, ...form };
    create.mutate(body, {
      onSuccess: (run) => {
        setCreated(run);
        onCreated?.(run);
      },
    });
  }

  const toggle = (id: number, on: boolean) => setIds((cur) => (on ? [...cur, id] : cur.filter((d) => d !== id)));
  const err = create.error;
  const field = err instanceof ApiError && err.field ? (FIELD_LABEL[err.field] ?? err.field) : null;

  return (
    <form className="form" onSubmit={submit} aria-label="Train a new model">
      <fieldset className="field">
        <legend>Datasets to learn from</legend>
        <span className="hint" id={`${uid}-ds`}>Their cases’ gold-standard and expert contours are the training targets.</span>
        {datasets.length === 0 ? <p className="note">You have no datasets yet: create one on the home page.</p> : null}
        <div className="checks" aria-describedby={`${uid}-ds`}>
          {datasets.map((d) => (
            <label key={d.id} className="check">
              <input type="checkbox" data-testid={`train-dataset-${d.id}`} checked={ids.includes(d.id)}
                onChange={(e) => toggle(d.id, e.target.checked)} />
              {d.name}{typeof d.n_cases === 'number' ? <span className="muted small"> ({d.n_cases} case{d.n_cases === 1 ? '' : 's'})</span> : null}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="field">
        <legend>Head</legend>
        <label className="check">
          <input type="radio" name={`${uid}-head`} value="unet" data-testid="train-head-unet" checked={form.head === 'unet'}
            onChange={() => set('head', 'unet' as ModelHead)} />
          U-Net decoder (the default: see why on any model card)
        </label>
        <label className="check">
          <input type="radio" name={`${uid}-head`} value="dense" data-testid="train-head-dense" checked={form.head === 'dense'}
            onChange={() => set('head', 'dense' as ModelHead)} />
          Dense (the paper’s: a 224 × 224 output layer)
        </label>
      </fieldset>
      <div className="grid-3">
        <label className="field">
          <span>Epochs</span>
          <input type="number" step="1" min="1" max="500" required data-testid="train-epochs"
            value={numValue(form.epochs)} onChange={(e) => set('epochs', e.target.valueAsNumber)} />
        </label>
        <label className="field">
          <span>Width</span>
          <input type="number" step="0.05" min="0.05" max="1" required data-testid="train-width" aria-describedby={`${uid}-w`}
            value={numValue(form.width)} onChange={(e) => set('width', e.target.valueAsNumber)} />
          <span className="hint" id={`${uid}-w`}>1 = the paper’s full VGG-16; 0.25 trains in reasonable time on a CPU</span>
        </label>
        <label className="field">
          <span>Cross-validation folds</span>
          <input type="number" step="1" min="0" max="5" required data-testid="train-folds" aria-describedby={`${uid}-f`}
            value={numValue(form.folds)} onChange={(e) => set('folds', e.target.valueAsNumber)} />
          <span className="hint" id={`${uid}-f`}>By patient; the paper used 3; 0 for none</span>
        </label>
        <label className="field">
          <span>Phantoms</span>
          <input type="number" step="1" min="0" max="2000" required data-testid="train-phantoms" aria-describedby={`${uid}-p`}
            value={numValue(form.phantoms)} onChange={(e) => set('phantoms', e.target.valueAsNumber)} />
          <span className="hint" id={`${uid}-p`}>Synthetic T1 / T2 / cine-like cases added to the training data</span>
        </label>
      </div>
      {localError ? <ErrorBox title="Not started" testId="train-error">{localError}</ErrorBox> : null}
      {create.isError ? (
        <ErrorBox title={field ? `The training was not started: ${field}` : 'The training was not started'} testId="train-error">
          {errorMessage(err)}
        </ErrorBox>
      ) : null}
      {created ? (
        <p className="success" role="status" data-testid="train-created">
          Training run #{created.id} queued: follow its progress below.
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary" data-testid="train-submit" disabled={create.isPending}>
        {create.isPending ? 'Starting…' : 'Start training'}
      </button>
    </form>
  );
}
