import { useId, useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import {
  CONSENSUS_SOURCE_LABEL, DEFAULT_ACCREDITATION, DEFAULT_TOLERANCE, type ConsensusSource, type FeedbackMode,
} from '@/lib/vocabulary';
import { useCreateDataset, type DatasetInput } from '../api/create-dataset';
import type { Dataset } from '../api/get-datasets';
import { useUpdateDataset } from '../api/update-dataset';

export const NO_AUTOMATIC_CONSENSUS = 'No automatic consensus model is active yet';

/** A cleared number input gives NaN: show it empty (the field is required) rather than pass NaN to React. */
const numValue = (v: number) => (Number.isNaN(v) ? '' : v);

type Props = {
  cohorts: { id: number; name: string }[];
  /** Whether a CNN consensus model is active (from any dataset's automatic_consensus_available). */
  automaticAvailable: boolean;
  /** Edit this dataset (PATCH) instead of creating one. */
  dataset?: Dataset;
  onDone?: (d: Dataset) => void;
};

function initial(d?: Dataset): DatasetInput {
  return {
    name: d?.name ?? '',
    description: d?.description ?? '',
    cohort_ids: d?.cohort_ids ?? [],
    consensus_source: d?.consensus_source ?? 'gold_standard',
    feedback_mode: d?.feedback_mode ?? 'reveal',
    tolerance_dice: d?.tolerance_dice ?? DEFAULT_TOLERANCE.dice,
    tolerance_map_ms: d?.tolerance_map_ms ?? DEFAULT_TOLERANCE.map_ms,
    tolerance_wall_thickness_mm: d?.tolerance_wall_thickness_mm ?? DEFAULT_TOLERANCE.wall_thickness_mm,
    accreditation_last_n: d?.accreditation_last_n ?? DEFAULT_ACCREDITATION.last_n,
    accreditation_min_cases: d?.accreditation_min_cases ?? DEFAULT_ACCREDITATION.min_cases,
  };
}

/** Create or edit a dataset: cohorts, consensus source, feedback mode, tolerances and the accreditation rule. */
export function DatasetForm({ cohorts, automaticAvailable, dataset, onDone }: Props) {
  const [form, setForm] = useState<DatasetInput>(() => initial(dataset));
  const create = useCreateDataset();
  const update = useUpdateDataset();
  const mutation = dataset ? update : create;
  const uid = useId();
  const set = <K extends keyof DatasetInput>(key: K, value: DatasetInput[K]) => setForm((f) => ({ ...f, [key]: value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { ...form, name: form.name.trim() };
    const done = (d: Dataset) => {
      if (!dataset) setForm(initial());
      onDone?.(d);
    };
    if (dataset) update.mutate({ id: dataset.id, ...body }, { onSuccess: done });
    else create.mutate(body, { onSuccess: done });
  }

  const toggleCohort = (id: number, on: boolean) =>
    set('cohort_ids', on ? [...form.cohort_ids, id] : form.cohort_ids.filter((c) => c !== id));

  return (
    <form className="form" onSubmit={submit} aria-label={dataset ? `Edit ${dataset.name}` : 'Create a dataset'}>
      <div className="grid-2">
        <label className="field">
          <span>Name</span>
          <input data-testid="dataset-name" value={form.name} required onChange={(e) => set('name', e.target.value)} />
        </label>
        <label className="field">
          <span>Description</span>
          <input data-testid="dataset-description" value={form.description} onChange={(e) => set('description', e.target.value)} />
        </label>
      </div>
      <fieldset className="field">
        <legend>Cohorts that train on it</legend>
        {cohorts.length === 0 ? <p className="note">Create a cohort first.</p> : null}
        <div className="checks">
          {cohorts.map((c) => (
            <label key={c.id} className="check">
              <input type="checkbox" data-testid={`dataset-cohort-${c.id}`} checked={form.cohort_ids.includes(c.id)}
                onChange={(e) => toggleCohort(c.id, e.target.checked)} />
              {c.name}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid-2">
        <label className="field">
          <span>Consensus source</span>
          <select data-testid="dataset-consensus-source" value={form.consensus_source}
            aria-describedby={`${uid}-auto`}
            onChange={(e) => set('consensus_source', e.target.value as ConsensusSource)}>
            <option value="gold_standard">{CONSENSUS_SOURCE_LABEL.gold_standard}</option>
            <option value="team_average">{CONSENSUS_SOURCE_LABEL.team_average}</option>
            <option value="automatic" disabled={!automaticAvailable}>
              {CONSENSUS_SOURCE_LABEL.automatic}{automaticAvailable ? '' : ' — unavailable'}
            </option>
          </select>
          {!automaticAvailable ? <span className="hint" id={`${uid}-auto`}>{NO_AUTOMATIC_CONSENSUS}.</span> : null}
        </label>
        <fieldset className="field">
          <legend>Feedback mode</legend>
          <label className="check">
            <input type="radio" name={`${uid}-mode`} value="reveal" checked={form.feedback_mode === 'reveal'}
              onChange={() => set('feedback_mode', 'reveal' as FeedbackMode)} />
            Reveal: show the consensus contours after an attempt
          </label>
          <label className="check">
            <input type="radio" name={`${uid}-mode`} value="score_only" checked={form.feedback_mode === 'score_only'}
              onChange={() => set('feedback_mode', 'score_only' as FeedbackMode)} />
            Score only: numbers, never the consensus contours
          </label>
        </fieldset>
      </div>
      <fieldset className="field">
        <legend>Tolerances</legend>
        <div className="grid-3">
          <label className="field">
            <span>Dice at least</span>
            <input type="number" step="0.01" min="0" max="1" required data-testid="dataset-tolerance-dice"
              value={numValue(form.tolerance_dice)} onChange={(e) => set('tolerance_dice', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>|Δ map| at most (ms)</span>
            <input type="number" step="0.1" min="0" required data-testid="dataset-tolerance-map"
              value={numValue(form.tolerance_map_ms)} onChange={(e) => set('tolerance_map_ms', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>|Δ wall thickness| at most (mm)</span>
            <input type="number" step="0.1" min="0" required data-testid="dataset-tolerance-wt"
              value={numValue(form.tolerance_wall_thickness_mm)}
              onChange={(e) => set('tolerance_wall_thickness_mm', e.target.valueAsNumber)} />
          </label>
        </div>
      </fieldset>
      <fieldset className="field">
        <legend>Accreditation rule</legend>
        <p className="hint" id={`${uid}-accr`}>
          Accredited when the last N submissions are within all tolerances on at least M distinct cases.
        </p>
        <div className="grid-3">
          <label className="field">
            <span>Last N submissions</span>
            <input type="number" step="1" min="1" required data-testid="dataset-accreditation-last-n"
              aria-describedby={`${uid}-accr`} value={numValue(form.accreditation_last_n)}
              onChange={(e) => set('accreditation_last_n', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>On at least M distinct cases</span>
            <input type="number" step="1" min="1" required data-testid="dataset-accreditation-min-cases"
              aria-describedby={`${uid}-accr`} value={numValue(form.accreditation_min_cases)}
              onChange={(e) => set('accreditation_min_cases', e.target.valueAsNumber)} />
          </label>
        </div>
      </fieldset>
      {mutation.isError ? <ErrorBox title="The dataset was not saved">{errorMessage(mutation.error)}</ErrorBox> : null}
      <button type="submit" className="btn btn-primary" data-testid="dataset-submit" disabled={mutation.isPending}>
        {dataset ? 'Save changes' : 'Create dataset'}
      </button>
    </form>
  );
}
