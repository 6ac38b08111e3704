import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { datasetsKey, type Dataset } from './get-datasets';

/** PATCH /api/datasets/{id} (supervisor): only the fields given change. */
export type UpdateDatasetInput = { id: number } & components['schemas']['PatchedDatasetIn'];

export function updateDataset({ id, ...patch }: UpdateDatasetInput): Promise<Dataset> {
  return api.patch<Dataset>(`/api/datasets/${id}`, patch);
}

export function useUpdateDataset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateDataset,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: datasetsKey });
      void qc.invalidateQueries({ queryKey: ['cohorts'] });
    },
  });
}
