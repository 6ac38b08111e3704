import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, apiJson } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import type { Case } from './get-case';

export type ReferenceVersion = components['schemas']['ReferenceVersion'];
export type ReferenceReplaced = components['schemas']['ReferenceReplaced'];
export type Deleted = components['schemas']['Deleted'];

/** PATCH /api/cases/{id} (supervisor of its dataset): a new title, or archive (true) / bring back (false). */
export function updateCase({ id, ...patch }: { id: number; title?: string; archived?: boolean }): Promise<Case> {
  return api.patch<Case>(`/api/cases/${id}`, patch);
}

export function useUpdateCase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateCase,
    onSuccess: (c) => {
      qc.setQueryData(['case', c.id], c);
      void qc.invalidateQueries({ queryKey: ['cases'] });
    },
  });
}

/** GET /api/cases/{id}/references: every stored version of the gold standard and expert contours. */
export function getReferenceVersions(id: number, signal?: AbortSignal): Promise<ReferenceVersion[]> {
  return api.get<ReferenceVersion[]>(`/api/cases/${id}/references`, signal);
}

/**
 * POST /api/cases/{id}/references (multipart): a new gold standard and/or expert set → 201; the case's evaluated
 * submissions are re-evaluated against a new gold standard (their old results are kept, with the version used).
 */
export function replaceReferences(input: { id: number; goldStandard: File | null; experts: File[] }): Promise<ReferenceReplaced> {
  const fd = new FormData();
  if (input.goldStandard) fd.append('gold_standard', input.goldStandard);
  for (const f of input.experts) fd.append('experts', f);
  return apiJson<ReferenceReplaced>(`/api/cases/${input.id}/references`, { method: 'POST', body: fd });
}

export function useReplaceReferences() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: replaceReferences,
    onSuccess: (_r, v) => {
      void qc.invalidateQueries({ queryKey: ['case', v.id] });
      void qc.invalidateQueries({ queryKey: ['reference-versions', v.id] });
    },
  });
}

/** DELETE /api/cases/{id}: the case, its submissions and every file stored for them. */
export function deleteCase(id: number): Promise<Deleted> {
  return api.delete<Deleted>(`/api/cases/${id}`);
}

export function useDeleteCase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteCase,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['cases'] });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
