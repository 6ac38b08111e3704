import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useCase } from '@/features/cases/api/get-case';
import { getSubmission } from '@/features/submissions/api/get-submission';
import { useSubmissions } from '@/features/submissions/api/get-submissions';
import { useDraft, useSaveDraft, useSubmitPolygons } from '@/features/viewer/api/contours';
import { ImageViewer } from '@/features/viewer/components/image-viewer';
import { missingWalls } from '@/features/viewer/lib/contour-coords';
import { errorMessage } from '@/lib/api-client';
import { fmtDate } from '@/lib/format';
import type { ContourPair, Point } from '@/lib/vocabulary';
import { useQuery } from '@tanstack/react-query';
import { useCurrentUser } from '../layout';

const EMPTY: ContourPair = { endocardium: null, epicardium: null };

function pair(c: { endocardium: number[][] | null; epicardium: number[][] | null } | null | undefined): ContourPair | null {
  if (!c || (!c.endocardium && !c.epicardium)) return null;
  const pts = (p: number[][] | null): Point[] | null => (p ? p.map((q) => [q[0], q[1]] as Point) : null);
  return { endocardium: pts(c.endocardium), epicardium: pts(c.epicardium) };
}

/**
 * Contouring in the browser: the trainee draws the endocardium and the epicardium on the case image, saves a draft,
 * and submits the polygons (the same validation and evaluation as a SAV upload). `?from=draft` (the default when a
 * draft is saved), `?from={submission id}` (edit an uploaded or earlier contour) or `?from=blank`.
 */
export default function DrawRoute() {
  const { caseId } = useParams();
  const id = Number(caseId);
  const user = useCurrentUser();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const c = useCase(Number.isInteger(id) ? id : null);
  const draft = useDraft(id);
  const attempts = useSubmissions(Number.isInteger(id) ? id : null);
  const from = params.get('from') ?? (draft.data?.endocardium || draft.data?.epicardium ? 'draft' : 'blank');
  const fromSubmission = /^\d+$/.test(from) ? Number(from) : null;
  const source = useQuery({
    queryKey: ['submission', fromSubmission],
    queryFn: ({ signal }) => getSubmission(fromSubmission as number, signal),
    enabled: fromSubmission != null,
  });
  const initial = useMemo<ContourPair | null>(() => {
    if (from === 'draft') return pair(draft.data);
    if (fromSubmission != null) return pair(source.data?.contours);
    return null;
  }, [from, fromSubmission, draft.data, source.data]);
  const [drawn, setDrawn] = useState<ContourPair>(EMPTY);
  const onChange = useCallback((p: ContourPair) => setDrawn(p), []);
  const editor = useMemo(() => ({ initial, onChange }), [initial, onChange]);
  const save = useSaveDraft(id);
  const submit = useSubmitPolygons(id);

  if (!Number.isInteger(id)) return <ErrorBox>This case address is not valid.</ErrorBox>;
  if (user.role !== 'trainee') return <ErrorBox>Drawing contours is for trainees.</ErrorBox>;
  if (c.isPending || draft.isPending || (fromSubmission != null && source.isPending)) return <Loading what="Loading the case" />;
  if (c.isError) return <ErrorBox title="The case could not be opened">{errorMessage(c.error)}</ErrorBox>;
  if (source.isError) return <ErrorBox title="Those contours could not be opened">{errorMessage(source.error)}</ErrorBox>;

  const missing = missingWalls(drawn);
  const done = (attempts.data ?? []).filter((a) => a.status === 'done' || a.status === 'failed');
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/">Home</Link> › {c.data.dataset_name} › <Link to={`/cases/${id}`}>{c.data.title}</Link>
      </nav>
      <div className="page-head">
        <h1>Draw: {c.data.title}</h1>
      </div>
      <div className="card stack">
        <label className="field field-inline">
          <span>Start from</span>
          <select data-testid="start-from" value={from} onChange={(e) => setParams({ from: e.target.value })}>
            <option value="blank">A blank image</option>
            {draft.data?.endocardium || draft.data?.epicardium ? (
              <option value="draft">My saved draft ({fmtDate(draft.data.updated_at ?? '')})</option>
            ) : null}
            {done.map((a) => (
              <option key={a.id} value={String(a.id)}>Attempt {a.attempt} ({fmtDate(a.created_at)})</option>
            ))}
            {fromSubmission != null && !done.some((a) => a.id === fromSubmission) ? <option value={from}>Submission {from}</option> : null}
          </select>
        </label>
        <div className="button-row">
          <button type="button" className="btn" data-testid="save-draft" disabled={save.isPending || (!drawn.endocardium && !drawn.epicardium)}
            onClick={() => save.mutate(drawn)}>
            {save.isPending ? 'Saving…' : 'Save draft'}
          </button>
          <button type="button" className="btn btn-primary" data-testid="submit-contours" disabled={!!missing || submit.isPending}
            onClick={() => submit.mutate(drawn, { onSuccess: (s) => navigate(`/submissions/${s.id}`) })}>
            {submit.isPending ? 'Submitting…' : 'Submit for feedback'}
          </button>
          <span className="muted small" data-testid="draw-status">
            {missing ?? `Endocardium ${drawn.endocardium?.length ?? 0} points, epicardium ${drawn.epicardium?.length ?? 0} points.`}
          </span>
        </div>
        {save.isSuccess ? <p className="small" role="status" data-testid="draft-saved">Draft saved.</p> : null}
        {save.isError ? <ErrorBox title="The draft was not saved">{errorMessage(save.error)}</ErrorBox> : null}
        {submit.isError ? <ErrorBox title="The contours were not submitted">{errorMessage(submit.error)}</ErrorBox> : null}
      </div>
      <ImageViewer key={`${id}-${from}`} caseId={id} trainee={null} reference={null} editor={editor} />
    </div>
  );
}
