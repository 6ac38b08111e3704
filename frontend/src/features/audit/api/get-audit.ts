import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/** One audit entry: an access (a view or download) or a change (create, update, delete). */
export type AuditEntry = components['schemas']['AuditEntry'];

/** The filters of GET /api/audit/ and /api/audit/export.csv: who (user id), from, until (ISO 8601). */
export type AuditFilters = { user?: number | null; since?: string | null; until?: string | null };

export function auditQuery(f: AuditFilters): string {
  const q = new URLSearchParams();
  if (f.user != null) q.set('user', String(f.user));
  if (f.since) q.set('since', f.since);
  if (f.until) q.set('until', f.until);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function getAudit(f: AuditFilters, signal?: AbortSignal): Promise<AuditEntry[]> {
  return api.get<AuditEntry[]>(`/api/audit/${auditQuery(f)}`, signal);
}

/** GET /api/audit/ (supervisors): what concerns them, newest first. */
export function useAudit(f: AuditFilters) {
  return useQuery({
    queryKey: ['audit', f.user ?? null, f.since ?? null, f.until ?? null],
    queryFn: ({ signal }) => getAudit(f, signal),
  });
}

export function auditCsvUrl(f: AuditFilters): string {
  return `/api/audit/export.csv${auditQuery(f)}`;
}
