import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

type DatasetFields = Required<Omit<components['schemas']['DatasetIn'], 'name'>> & { name: string };

/**
 * GET /api/datasets/: the dataset's settings are the fields of the schema's `DatasetIn` (tolerances per quantity:
 * Dice, T1, T2, T2* in % or ms, wall thickness, optional HD95; the accreditation rule), all filled in by the server,
 * plus what the server adds. The backend's answer has no response serializer yet, so this type is built on the
 * request schema: a renamed tolerance still fails `tsc`.
 */
export type Dataset = DatasetFields & {
  id: number;
  n_cases: number;
  /** false until a CNN model is active: the UI must say so */
  automatic_consensus_available: boolean;
};

export const datasetsKey = ['datasets'] as const;

export function getDatasets(signal?: AbortSignal): Promise<Dataset[]> {
  return api.get<Dataset[]>('/api/datasets/', signal);
}

export function useDatasets() {
  return useQuery({ queryKey: datasetsKey, queryFn: ({ signal }) => getDatasets(signal) });
}
