import { useState, type FormEvent } from 'react';
import { ErrorBox, Loading } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { auditCsvUrl, useAudit, type AuditEntry, type AuditFilters } from '../api/get-audit';

function changesText(e: AuditEntry): string {
  return Object.entries(e.changes ?? {})
    .map(([field, v]) => (Array.isArray(v) ? `${field}: ${String(v[0])} → ${String(v[1])}` : field))
    .join('; ');
}

/** The table of audit entries with its filters (user id, from, until) and the CSV export of what is shown. */
export function AuditLog() {
  const [draft, setDraft] = useState({ user: '', since: '', until: '' });
  const [filters, setFilters] = useState<AuditFilters>({});
  const audit = useAudit(filters);

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters({
      user: draft.user ? Number(draft.user) : null,
      since: draft.since ? new Date(draft.since).toISOString() : null,
      until: draft.until ? new Date(draft.until).toISOString() : null,
    });
  }

  return (
    <div className="stack">
      <form className="form card" onSubmit={apply} aria-label="Filter the audit log">
        <div className="grid-2">
          <label className="field">
            <span>User (id)</span>
            <input data-testid="audit-user" inputMode="numeric" value={draft.user}
              onChange={(e) => setDraft({ ...draft, user: e.target.value.replace(/\D/g, '') })} />
          </label>
          <label className="field">
            <span>From</span>
            <input type="datetime-local" data-testid="audit-since" value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
          </label>
          <label className="field">
            <span>Until</span>
            <input type="datetime-local" data-testid="audit-until" value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
          </label>
        </div>
        <div className="button-row">
          <button type="submit" className="btn btn-primary">Show</button>
          <a className="btn" href={auditCsvUrl(filters)} download data-testid="audit-export">
            Export (CSV)
          </a>
        </div>
      </form>
      {audit.isPending ? <Loading what="Loading the audit log" /> : null}
      {audit.isError ? <ErrorBox title="The audit log could not be read">{errorMessage(audit.error)}</ErrorBox> : null}
      {audit.data ? (
        audit.data.length === 0 ? (
          <p className="muted">No entries.</p>
        ) : (
          <table className="table" data-testid="audit-table">
            <thead>
              <tr><th>When</th><th>Who</th><th>Did</th><th>What</th><th>Changes</th></tr>
            </thead>
            <tbody>
              {audit.data.map((e, i) => (
                <tr key={`${e.entry}-${e.at}-${i}`}>
                  <td>{new Date(e.at).toLocaleString()}</td>
                  <td>{e.actor || '(system)'}{e.actor_id != null ? ` (${e.actor_id})` : ''}</td>
                  <td>{e.action}</td>
                  <td>{e.object_type} {e.object || e.object_id}</td>
                  <td className="small">{changesText(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </div>
  );
}
