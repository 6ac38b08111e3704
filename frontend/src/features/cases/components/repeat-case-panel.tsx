import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import type { Case } from '../api/get-case';
import { useCreateRepeat, type CaseRepeatFields, type RepeatInput } from '../api/create-repeat';

export const TRANSFORM_LABEL: Record<string, string> = {
  none: 'Unchanged',
  rotate90: 'Rotated 90° clockwise',
  rotate180: 'Rotated 180°',
  flip_horizontal: 'Mirrored left to right',
  flip_vertical: 'Mirrored top to bottom',
};

type When = 'now' | 'date' | 'after';

/**
 * The supervisor's "show this case again later" form: a hidden repeat under another title (intra-observer
 * variability). Trainees see the repeat as an ordinary case; nothing names the original to them.
 */
export function RepeatCasePanel({ c }: { c: Case & CaseRepeatFields }) {
  const create = useCreateRepeat(c.id, c.dataset_id);
  const [title, setTitle] = useState('');
  const [transform, setTransform] = useState<NonNullable<RepeatInput['transform']>>('rotate90');
  const [when, setWhen] = useState<When>('after');
  const [date, setDate] = useState('');
  const [n, setN] = useState(3);

  if (c.repeat_of) {
    return (
      <p className="muted" data-testid="repeat-of">
        Hidden repeat of <Link to={`/cases/${c.repeat_of.id}`}>{c.repeat_of.title}</Link>
        {c.repeat_transform ? ` (${TRANSFORM_LABEL[c.repeat_transform] ?? c.repeat_transform})` : ''}
        {c.repeat_after_cases != null ? `, shown after ${c.repeat_after_cases} other cases` : ''}
        {c.repeat_available_at ? `, shown from ${new Date(c.repeat_available_at).toLocaleString()}` : ''}. Trainees
        see it as an ordinary case.
      </p>
    );
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const available_after =
      when === 'date' && date ? new Date(date).toISOString() : when === 'after' ? `after ${n} other cases` : null;
    create.mutate({ title, transform, available_after });
  }

  return (
    <form className="form card" onSubmit={submit} aria-labelledby="repeat-heading" data-testid="repeat-form">
      <h3 id="repeat-heading">Show again later (hidden repeat)</h3>
      <p className="hint">
        Trainees get the same image again under another title, re-identified and optionally rotated or mirrored,
        as an ordinary case. Their two contours give their own repeatability (on their progress page and in the
        reports).
      </p>
      <div className="grid-2">
        <label className="field">
          <span>Title trainees see</span>
          <input data-testid="repeat-title" value={title} required onChange={(e) => setTitle(e.target.value)}
            placeholder="e.g. Mid-ventricular T1, patient 31" />
        </label>
        <label className="field">
          <span>Image</span>
          <select data-testid="repeat-transform" value={transform}
            onChange={(e) => setTransform(e.target.value as NonNullable<RepeatInput['transform']>)}>
            {Object.entries(TRANSFORM_LABEL).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
          </select>
        </label>
      </div>
      <div className="grid-2">
        <label className="field">
          <span>Shown</span>
          <select data-testid="repeat-when" value={when} onChange={(e) => setWhen(e.target.value as When)}>
            <option value="now">At once</option>
            <option value="after">After other cases</option>
            <option value="date">From a date</option>
          </select>
        </label>
        {when === 'after' ? (
          <label className="field">
            <span>Other cases first</span>
            <input data-testid="repeat-after" type="number" min={0} max={1000} value={n}
              onChange={(e) => setN(Number(e.target.value))} />
          </label>
        ) : when === 'date' ? (
          <label className="field">
            <span>From</span>
            <input data-testid="repeat-date" type="datetime-local" value={date} required
              onChange={(e) => setDate(e.target.value)} />
          </label>
        ) : null}
      </div>
      {create.isError ? (
        <ErrorBox title="The repeat was not made" testId="repeat-error">{errorMessage(create.error)}</ErrorBox>
      ) : null}
      {create.data ? (
        <p className="success" role="status" data-testid="repeat-created">
          Repeat “{create.data.title}” added: <Link to={`/cases/${create.data.id}`}>open it</Link>.
        </p>
      ) : null}
      <button type="submit" className="btn" data-testid="repeat-submit" disabled={create.isPending}>
        {create.isPending ? 'Making the repeat…' : 'Make the repeat'}
      </button>
    </form>
  );
}
