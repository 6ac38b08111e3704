import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import { datasetsKey, type Dataset } from './get-datasets';

/** POST /api/datasets/ (supervisor): a field left out gets the server's default (src/lib/api-defaults.ts). */
export type DatasetInput = components['schemas']['DatasetIn'];

export function createDataset(input: DatasetInput): Promise<Dataset> {
  return api.post<Dataset>('/api/datasets/', input);
}

export function useCreateDataset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createDataset,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: datasetsKey });
      void qc.invalidateQueries({ queryKey: ['cohorts'] });
    },
  });
}
