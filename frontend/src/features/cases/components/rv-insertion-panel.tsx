import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import type { Case } from '../api/get-case';
import { useUpdateCaseRv } from '../api/update-case-rv';

type Props = {
  c: Case;
  /** Whether the next click on the image sets the point. */
  picking: boolean;
  onPickingChange: (on: boolean) => void;
};

/** The case's RV insertion point when one is set (estimated or confirmed), else null. */
export function rvPoint(c: Pick<Case, 'rv_insertion'>): { x: number; y: number; confirmed: boolean } | null {
  const p = c.rv_insertion;
  return p && p.x != null && p.y != null ? { x: p.x, y: p.y, confirmed: p.confirmed } : null;
}

/** What the marker on the image says about the case's RV insertion point. */
export function rvInsertionLabel(c: Pick<Case, 'rv_insertion'>): string | null {
  const p = rvPoint(c);
  if (!p) return null;
  const at = `x ${p.x.toFixed(1)}, y ${p.y.toFixed(1)}`;
  return p.confirmed
    ? `RV insertion point (confirmed) at ${at}: evaluations name the AHA segments.`
    : `RV insertion point estimated from the image at ${at}: confirm it or set it by clicking.`;
}

/**
 * The supervisor's control of a case's anterior RV insertion point: the estimate is shown on the image (dashed
 * orange; confirmed: solid green); "Confirm" keeps it, "Set by clicking" lets the next click on the image place it.
 * Evaluations name the AHA segments only with a confirmed point.
 */
export function RvInsertionPanel({ c, picking, onPickingChange }: Props) {
  const update = useUpdateCaseRv();
  const p = rvPoint(c);
  return (
    <section className="card" aria-labelledby={`rv-${c.id}`}>
      <h2 id={`rv-${c.id}`}>RV insertion point</h2>
      <p className="hint">
        The anterior right-ventricular insertion point anchors the AHA names of the six mid-ventricular segments
        (anterior, anteroseptal, …). Without a confirmed point, segments are numbered 1–6.
      </p>
      <p data-testid="rv-status">
        {p === null
          ? 'Not set: no estimate could be made (no gold-standard or expert contours). Set it by clicking on the image.'
          : p.confirmed
            ? `Confirmed at x ${p.x.toFixed(1)}, y ${p.y.toFixed(1)} (pixels).`
            : `Estimated from the image at x ${p.x.toFixed(1)}, y ${p.y.toFixed(1)} (pixels); not yet used by evaluations.`}
      </p>
      <div className="button-row">
        {p && !p.confirmed ? (
          <button type="button" className="btn btn-primary btn-small" data-testid="rv-confirm" disabled={update.isPending}
            onClick={() => update.mutate({ id: c.id, rv_insertion_confirmed: true })}>
            Confirm
          </button>
        ) : null}
        <button type="button" className="btn btn-small" data-testid="rv-pick" aria-pressed={picking}
          onClick={() => onPickingChange(!picking)}>
          {picking ? 'Cancel clicking' : 'Set by clicking'}
        </button>
        {p ? (
          <button type="button" className="btn btn-small" data-testid="rv-clear" disabled={update.isPending}
            onClick={() => update.mutate({ id: c.id, rv_insertion: null })}>
            Remove
          </button>
        ) : null}
      </div>
      {picking ? <p className="note small">Click on the image where the RV free wall meets the septum, anteriorly.</p> : null}
      {update.isError ? <ErrorBox title="The point was not saved">{errorMessage(update.error)}</ErrorBox> : null}
    </section>
  );
}

/** Save a point picked on the image (it counts as confirmed). */
export function useSaveRvPoint(caseId: number, onSaved: () => void) {
  const update = useUpdateCaseRv();
  return (pt: { x: number; y: number }) =>
    update.mutate({ id: caseId, rv_insertion: [pt.x, pt.y] }, { onSuccess: onSaved });
}
