import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import type { Case } from '../api/get-case';
import { getReferenceVersions, useDeleteCase, useReplaceReferences, useUpdateCase } from '../api/manage-case';

const KIND_LABEL: Record<string, string> = { gold_standard: 'Gold standard', expert: 'Expert set' };

/**
 * The supervisor's management of a case: rename it, archive it (hidden from trainees, kept in reports), replace its
 * gold standard or expert contours (a new version; submissions are re-evaluated and keep their old result in their
 * history), or delete it with everything stored for it.
 */
export function CaseManagePanel({ c, onDeleted }: { c: Case; onDeleted: () => void }) {
  const [title, setTitle] = useState(c.title);
  const [gold, setGold] = useState<File | null>(null);
  const [experts, setExperts] = useState<File[]>([]);
  const [confirming, setConfirming] = useState(false);
  const update = useUpdateCase();
  const replace = useReplaceReferences();
  const remove = useDeleteCase();
  const versions = useQuery({
    queryKey: ['reference-versions', c.id],
    queryFn: ({ signal }) => getReferenceVersions(c.id, signal),
  });

  function rename(e: FormEvent) {
    e.preventDefault();
    update.mutate({ id: c.id, title });
  }

  function upload(e: FormEvent) {
    e.preventDefault();
    replace.mutate({ id: c.id, goldStandard: gold, experts });
  }

  const error = update.error ?? replace.error ?? remove.error;
  return (
    <section className="card stack" aria-labelledby="manage-heading" data-testid="case-manage">
      <h3 id="manage-heading">Manage this case</h3>
      <form className="inline-form" onSubmit={rename}>
        <label className="field-inline">
          <span>Title</span>
          <input data-testid="case-title-input" value={title} required onChange={(e) => setTitle(e.target.value)} />
        </label>
        <button type="submit" className="btn" disabled={update.isPending || title.trim() === c.title}>Rename</button>
        <button type="button" className="btn" data-testid="case-archive" disabled={update.isPending}
          onClick={() => update.mutate({ id: c.id, archived: !c.archived })}>
          {c.archived ? 'Bring back (show to trainees)' : 'Archive (hide from trainees)'}
        </button>
      </form>
      {c.archived ? <p className="note">Archived: trainees do not see this case; it stays in reports and exports.</p> : null}

      <form className="form" onSubmit={upload} data-testid="replace-references">
        <p className="hint">
          A wrong gold standard? Upload the corrected one: it becomes a new version, every evaluated submission is
          evaluated again against it, and each keeps its earlier result (with the version it used) in its history.
        </p>
        <div className="grid-2">
          <label className="field">
            <span>New gold standard (contour file)</span>
            <input type="file" data-testid="replace-gold" onChange={(e) => setGold(e.target.files?.[0] ?? null)} />
          </label>
          <label className="field">
            <span>New expert set (one file per expert)</span>
            <input type="file" multiple data-testid="replace-experts"
              onChange={(e) => setExperts(Array.from(e.target.files ?? []))} />
          </label>
        </div>
        <div className="button-row">
          <button type="submit" className="btn" disabled={replace.isPending || (!gold && experts.length === 0)}>
            Replace contours
          </button>
        </div>
        {replace.data ? (
          <p className="success" data-testid="replace-done">
            Stored as version {replace.data.references.map((r) => r.version).join(', ')};{' '}
            {replace.data.reevaluations_queued.length} submission(s) queued for re-evaluation.
          </p>
        ) : null}
      </form>

      {versions.data && versions.data.length > 0 ? (
        <table className="table" data-testid="reference-versions">
          <thead><tr><th>Contours</th><th className="num-col">Version</th><th>Stored</th><th className="num-col">Results using it</th></tr></thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.id} className={v.current ? 'current-row' : undefined}>
                <td>{KIND_LABEL[v.kind] ?? v.kind}{v.rater ? ` (${v.rater})` : ''}{v.current ? ' · current' : ''}</td>
                <td className="num-col">{v.version}</td>
                <td>{new Date(v.created_at).toLocaleString()}</td>
                <td className="num-col">{v.n_evaluations}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <div className="button-row">
        {confirming ? (
          <>
            <span>Delete the case, its submissions and every file stored for them?</span>
            <button type="button" className="btn btn-danger" data-testid="case-delete-confirm" disabled={remove.isPending}
              onClick={() => remove.mutate(c.id, { onSuccess: onDeleted })}>Delete</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>Cancel</button>
          </>
        ) : (
          <button type="button" className="btn btn-danger" data-testid="case-delete" onClick={() => setConfirming(true)}>
            Delete case…
          </button>
        )}
      </div>
      {error ? <ErrorBox title="That did not work">{errorMessage(error)}</ErrorBox> : null}
    </section>
  );
}
