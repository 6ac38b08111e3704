import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Case } from './get-case';

/** GET /api/datasets/{id}/cases */
export function getCases(datasetId: number, signal?: AbortSignal): Promise<Case[]> {
  return api.get<Case[]>(`/api/datasets/${datasetId}/cases`, signal);
}

export const casesKey = (datasetId: number) => ['dataset-cases', datasetId] as const;

export function useCases(datasetId: number) {
  return useQuery({ queryKey: casesKey(datasetId), queryFn: ({ signal }) => getCases(datasetId, signal) });
}
