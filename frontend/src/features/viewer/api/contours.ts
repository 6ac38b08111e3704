import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ContourPair } from '@/lib/vocabulary';
import type { components } from '@/lib/api-schema';

type Submission = components['schemas']['Submission'];

/** GET/PUT /api/cases/{id}/draft: the trainee's own unsubmitted contours (nulls when nothing is saved). */
export type ContourDraft = components['schemas']['ContourDraft'];

export const draftKey = (caseId: number) => ['draft', caseId] as const;

export function useDraft(caseId: number) {
  return useQuery({
    queryKey: draftKey(caseId),
    queryFn: ({ signal }) => api.get<ContourDraft>(`/api/cases/${caseId}/draft`, signal),
    staleTime: Infinity,
  });
}

export function useSaveDraft(caseId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (c: ContourPair) =>
      api.put<ContourDraft>(`/api/cases/${caseId}/draft`, { endocardium: c.endocardium, epicardium: c.epicardium }),
    onSuccess: (d) => qc.setQueryData(draftKey(caseId), d),
  });
}

/** POST /api/submissions/ with JSON polygons (image pixel coordinates, x = column, y = row): the same validation and
 * evaluation as a SAV upload. */
export function useSubmitPolygons(caseId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (c: ContourPair) =>
      api.post<Submission>('/api/submissions/', { case: caseId, endocardium: c.endocardium, epicardium: c.epicardium }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['submissions', caseId] });
      void qc.invalidateQueries({ queryKey: ['case', caseId] });
    },
  });
}
