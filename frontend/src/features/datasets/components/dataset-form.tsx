import { useId, useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { API_DEFAULTS } from '@/lib/api-defaults';
import { CONSENSUS_SOURCE_LABEL, type ConsensusSource, type FeedbackMode } from '@/lib/vocabulary';
import { useCreateDataset, type DatasetInput } from '../api/create-dataset';
import type { Dataset } from '../api/get-datasets';
import { useExpertAgreement, type ProposedTolerances } from '../api/get-expert-agreement';
import { useUpdateDataset } from '../api/update-dataset';
import { expertAgreementSentence } from '../lib/expert-agreement';

export const NO_AUTOMATIC_CONSENSUS = 'No automatic consensus model is active yet';

/** What each consensus source compares a trainee with, and what each case then needs. */
export const CONSENSUS_SOURCE_HINT: Record<ConsensusSource, string> = {
  gold_standard: 'Each case needs a gold-standard contour file.',
  expert_consensus: 'Each case needs at least two experts’ contour files; STAPLE fuses three or more (a majority vote fuses two) and shows each expert’s sensitivity and specificity.',
  team_average: 'The majority vote of the cohort’s trainees’ latest contours (at least three); uploaded expert contours are not used.',
  automatic: 'The active CNN draws a consensus for every attempt; cases need no gold standard.',
};

/** A cleared number input gives NaN: show it empty rather than pass NaN to React. */
const numValue = (v: number) => (Number.isNaN(v) ? '' : v);
/** A number field of the form: NaN while empty. */
const num = (v: number | null | undefined) => (typeof v === 'number' ? v : Number.NaN);
/** An empty optional limit is null: "not judged". */
const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/** A number to `digits` decimals, or a dash where undefined. */
const fmt = (v: number | null | undefined, digits: number) => (v == null ? '—' : v.toFixed(digits));

/** A new dataset starts with the server's defaults (from the OpenAPI schema, src/lib/api-defaults.ts). */
const DEFAULTS = API_DEFAULTS.DatasetIn;

type Props = {
  cohorts: { id: number; name: string }[];
  /** Whether a CNN consensus model is active (from any dataset's automatic_consensus_available). */
  automaticAvailable: boolean;
  /** Edit this dataset (PATCH) instead of creating one. */
  dataset?: Dataset;
  onDone?: (d: Dataset) => void;
};

type T2starUnit = 'percent' | 'ms';

type FormState = {
  name: string;
  description: string;
  cohort_ids: number[];
  consensus_source: ConsensusSource;
  feedback_mode: FeedbackMode;
  tolerance_dice: number;
  tolerance_t1_ms: number;
  tolerance_t2_ms: number;
  /** T2* is limited either in % of the consensus T2* or in ms (the ms limit replaces the percentage) */
  t2star_unit: T2starUnit;
  t2star_value: number;
  tolerance_wall_thickness_mm: number;
  /** optional: NaN (empty) = HD95 not judged */
  tolerance_hd95_mm: number;
  accreditation_last_n: number;
  accreditation_min_cases: number;
};

function initial(d?: Dataset): FormState {
  const t2starMs = d ? d.tolerance_t2star_ms : null;
  return {
    name: d?.name ?? '',
    description: d?.description ?? DEFAULTS.description,
    cohort_ids: d?.cohort_ids ?? [],
    consensus_source: d?.consensus_source ?? DEFAULTS.consensus_source,
    feedback_mode: d?.feedback_mode ?? DEFAULTS.feedback_mode,
    tolerance_dice: num(d ? d.tolerance_dice : DEFAULTS.tolerance_dice),
    tolerance_t1_ms: num(d ? d.tolerance_t1_ms : DEFAULTS.tolerance_t1_ms),
    tolerance_t2_ms: num(d ? d.tolerance_t2_ms : DEFAULTS.tolerance_t2_ms),
    t2star_unit: t2starMs != null ? 'ms' : 'percent',
    t2star_value: num(t2starMs != null ? t2starMs : d ? d.tolerance_t2star_percent : DEFAULTS.tolerance_t2star_percent),
    tolerance_wall_thickness_mm: num(d ? d.tolerance_wall_thickness_mm : DEFAULTS.tolerance_wall_thickness_mm),
    tolerance_hd95_mm: num(d?.tolerance_hd95_mm),
    accreditation_last_n: num(d ? d.accreditation_last_n : DEFAULTS.accreditation_last_n),
    accreditation_min_cases: num(d ? d.accreditation_min_cases : DEFAULTS.accreditation_min_cases),
  };
}

/** The request body; the T2* limit goes in the field of its unit and the other is cleared. */
export function datasetBody(f: FormState): DatasetInput {
  const { t2star_unit, t2star_value, tolerance_hd95_mm, ...rest } = f;
  return {
    ...rest,
    name: f.name.trim(),
    tolerance_t2star_percent: t2star_unit === 'percent' ? t2star_value : null,
    tolerance_t2star_ms: t2star_unit === 'ms' ? t2star_value : null,
    tolerance_hd95_mm: orNull(tolerance_hd95_mm),
  };
}

/** Create or edit a dataset: cohorts, consensus source, feedback mode, tolerances and the accreditation rule. */
export function DatasetForm({ cohorts, automaticAvailable, dataset, onDone }: Props) {
  const [form, setForm] = useState<FormState>(() => initial(dataset));
  const create = useCreateDataset();
  const update = useUpdateDataset();
  const mutation = dataset ? update : create;
  const uid = useId();
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = datasetBody(form);
    const done = (d: Dataset) => {
      if (!dataset) setForm(initial());
      onDone?.(d);
    };
    if (dataset) update.mutate({ id: dataset.id, ...body }, { onSuccess: done });
    else create.mutate(body, { onSuccess: done });
  }

  const agreement = useExpertAgreement(dataset?.id);
  const sentence = agreement.data ? expertAgreementSentence(agreement.data) : null;
  function applyExperts(t: ProposedTolerances) {
    setForm((f) => ({
      ...f,
      tolerance_dice: t.tolerance_dice ?? f.tolerance_dice,
      tolerance_t1_ms: t.tolerance_t1_ms ?? f.tolerance_t1_ms,
      tolerance_t2_ms: t.tolerance_t2_ms ?? f.tolerance_t2_ms,
      tolerance_wall_thickness_mm: t.tolerance_wall_thickness_mm ?? f.tolerance_wall_thickness_mm,
      tolerance_hd95_mm: t.tolerance_hd95_mm ?? f.tolerance_hd95_mm,
      ...(t.tolerance_t2star_percent != null ? { t2star_unit: 'percent' as const, t2star_value: t.tolerance_t2star_percent } : {}),
    }));
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
            <option value="expert_consensus">{CONSENSUS_SOURCE_LABEL.expert_consensus}</option>
            <option value="team_average">{CONSENSUS_SOURCE_LABEL.team_average}</option>
            <option value="automatic" disabled={!automaticAvailable}>
              {CONSENSUS_SOURCE_LABEL.automatic}{automaticAvailable ? '' : ' — unavailable'}
            </option>
          </select>
          {!automaticAvailable ? <span className="hint" id={`${uid}-auto`}>{NO_AUTOMATIC_CONSENSUS}.</span> : null}
          <span className="hint" data-testid="consensus-source-hint">{CONSENSUS_SOURCE_HINT[form.consensus_source]}</span>
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
        <p className="hint" id={`${uid}-tol`}>
          An attempt is within expert agreement when every tolerance holds: its Dice at least the minimum, and each
          difference from the consensus (trainee − consensus) no larger than its limit.
        </p>
        {sentence && agreement.data ? (
          <div className="note" data-testid="expert-agreement">
            <p>
              Use the experts’ own agreement: {sentence}. Each case’s value is the mean over its expert pairs; the
              form keeps your values until you press the button and save.
            </p>
            <button type="button" className="btn btn-small" data-testid="use-expert-agreement"
              onClick={() => applyExperts(agreement.data.proposal.tolerances)}>
              Use the experts’ agreement
            </button>
            <details>
              <summary>The numbers per case</summary>
              <table className="table small" data-testid="expert-agreement-cases">
                <thead>
                  <tr><th>Case</th><th>Experts</th><th>Dice</th><th>HD95 (mm)</th><th>|Δ map|</th><th>|ΔWT| (mm)</th></tr>
                </thead>
                <tbody>
                  {agreement.data.cases.map((c) => (
                    <tr key={c.case_id}>
                      <td>{c.title}</td>
                      <td>{c.n_experts}</td>
                      <td>{fmt(c.mean.dice, 3)}</td>
                      <td>{fmt(c.mean.hd95_mm, 2)}</td>
                      <td>{fmt(c.mean.abs_delta_map, 1)}{c.map_quantity === 't2star_ms' ? ' %' : c.mean.abs_delta_map != null ? ' ms' : ''}</td>
                      <td>{fmt(c.mean.abs_delta_wall_thickness_mm, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </div>
        ) : null}
        <div className="grid-3">
          <label className="field">
            <span>Myocardial Dice, at least</span>
            <input type="number" step="0.01" min="0" max="1" required data-testid="dataset-tolerance-dice"
              aria-describedby={`${uid}-tol`}
              value={numValue(form.tolerance_dice)} onChange={(e) => set('tolerance_dice', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>|Δ T1| at most (ms)</span>
            <input type="number" step="0.1" min="0" required data-testid="dataset-tolerance-t1"
              value={numValue(form.tolerance_t1_ms)} onChange={(e) => set('tolerance_t1_ms', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>|Δ T2| at most (ms)</span>
            <input type="number" step="0.1" min="0" required data-testid="dataset-tolerance-t2"
              value={numValue(form.tolerance_t2_ms)} onChange={(e) => set('tolerance_t2_ms', e.target.valueAsNumber)} />
          </label>
          <div className="field">
            <label htmlFor={`${uid}-t2star`}>
              <span>|Δ T2*| at most ({form.t2star_unit === 'ms' ? 'ms' : '% of the consensus T2*'})</span>
            </label>
            <div className="input-with-unit">
              <input id={`${uid}-t2star`} type="number" step="0.1" min="0" required data-testid="dataset-tolerance-t2star"
                value={numValue(form.t2star_value)} onChange={(e) => set('t2star_value', e.target.valueAsNumber)} />
              <select aria-label="Unit of the T2* tolerance" data-testid="dataset-tolerance-t2star-unit" value={form.t2star_unit}
                onChange={(e) => set('t2star_unit', e.target.value as T2starUnit)}>
                <option value="percent">%</option>
                <option value="ms">ms</option>
              </select>
            </div>
          </div>
          <label className="field">
            <span>|Δ mean wall thickness| at most (mm)</span>
            <input type="number" step="0.1" min="0" required data-testid="dataset-tolerance-wt"
              value={numValue(form.tolerance_wall_thickness_mm)}
              onChange={(e) => set('tolerance_wall_thickness_mm', e.target.valueAsNumber)} />
          </label>
          <label className="field">
            <span>HD95 at most (mm), optional</span>
            <input type="number" step="0.1" min="0" data-testid="dataset-tolerance-hd95" placeholder="not judged"
              aria-describedby={`${uid}-hd95`} value={numValue(form.tolerance_hd95_mm)}
              onChange={(e) => set('tolerance_hd95_mm', e.target.valueAsNumber)} />
            <span className="hint" id={`${uid}-hd95`}>Empty: HD95 is shown but not judged.</span>
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
