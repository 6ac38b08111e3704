import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Point } from '@/lib/vocabulary';

/**
 * GET /api/cases/{id}/reference — the consensus contours in pixel coordinates (x = column, y = row); 404 when the
 * user may not see them (a trainee before submitting, or ever in score-only mode).
 */
export type Reference = {
  source: string;
  version: string | number | null;
  contributors: number;
  endocardium: Point[] | null;
  epicardium: Point[] | null;
};

export function getReference(caseId: number, signal?: AbortSignal): Promise<Reference> {
  return api.get<Reference>(`/api/cases/${caseId}/reference`, signal);
}

export function useReference(caseId: number, enabled: boolean) {
  return useQuery({ queryKey: ['case-reference', caseId], queryFn: ({ signal }) => getReference(caseId, signal), enabled });
}
