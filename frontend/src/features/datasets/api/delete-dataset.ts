import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { datasetsKey } from './get-datasets';

/** DELETE /api/datasets/{id} (its creator): the dataset, its cases, submissions and every stored file. */
export function deleteDataset(id: number): Promise<components['schemas']['Deleted']> {
  return api.delete(`/api/datasets/${id}`);
}

export function useDeleteDataset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteDataset,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: datasetsKey });
      void qc.invalidateQueries({ queryKey: ['cohorts'] });
      void qc.invalidateQueries({ queryKey: ['cases'] });
    },
  });
}
