import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/**
 * GET /api/datasets/{id}/expert-agreement (the supervisor who created the dataset): per case with two or more
 * experts, every pair's myocardial Dice, HD95 of the worse wall, |d map| and |dWT| (backend/cmr/agreement_bands.py),
 * and the tolerances the median over cases proposes, with what they came from.
 */
export type ExpertAgreement = components['schemas']['ExpertAgreement'];
export type ProposedTolerances = components['schemas']['ProposedTolerances'];

export function getExpertAgreement(id: number, signal?: AbortSignal): Promise<ExpertAgreement> {
  return api.get<ExpertAgreement>(`/api/datasets/${id}/expert-agreement`, signal);
}

export function useExpertAgreement(id: number | null | undefined) {
  return useQuery({
    queryKey: ['datasets', id, 'expert-agreement'],
    queryFn: ({ signal }) => getExpertAgreement(id as number, signal),
    enabled: typeof id === 'number',
    staleTime: 60_000,
  });
}
