import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

/** What the viewer needs of a case: its image's kind, units, size and echo times (GET /api/cases/{id}; the same query key as
 * the case page's, so the case is fetched once). */
export type CaseImageInfo = {
  image: { kind: string; units: string; echo_times_ms: number[] | null; rows: number; columns: number };
};

export function useCaseImage(caseId: number) {
  return useQuery({
    queryKey: ['case', caseId],
    queryFn: ({ signal }) => api.get<CaseImageInfo>(`/api/cases/${caseId}`, signal),
  });
}
