import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import type { Case } from './get-case';

/** PATCH /api/cases/{id} (supervisor): set ([x, y], confirmed), confirm the estimate, or clear (null). */
export type UpdateCaseRvInput = { id: number } & components['schemas']['PatchedCaseRvInsertionIn'];

export function updateCaseRv({ id, ...patch }: UpdateCaseRvInput): Promise<Case> {
  return api.patch<Case>(`/api/cases/${id}`, patch);
}

export function useUpdateCaseRv() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateCaseRv,
    onSuccess: (c) => qc.setQueryData(['case', c.id], c),
  });
}
