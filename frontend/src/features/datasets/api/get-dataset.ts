import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Dataset } from './get-datasets';

/** GET /api/datasets/{id} */
export function getDataset(id: number, signal?: AbortSignal): Promise<Dataset> {
  return api.get<Dataset>(`/api/datasets/${id}`, signal);
}

export function useDataset(id: number | null | undefined) {
  return useQuery({
    queryKey: ['datasets', id],
    queryFn: ({ signal }) => getDataset(id as number, signal),
    enabled: typeof id === 'number',
  });
}
