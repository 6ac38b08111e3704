import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';
import type { Case } from './get-case';
import { casesKey } from './get-cases';

/**
 * POST /api/cases/{id}/repeat (supervisor of the case's dataset): a hidden repeat of the case, the same image under
 * another title, new UIDs, optionally rotated or flipped; `available_after` a date-time or "after N other cases".
 * 201 → the new case (with its `repeat_of`, seen only by the supervisor); 400 {"detail","field"}.
 */
export type RepeatInput = components['schemas']['RepeatIn'];

/** The repeat fields of a case as a supervisor gets them (absent for trainees). */
export type CaseRepeatFields = {
  repeat_of?: { id: number; title: string } | null;
  repeat_transform?: RepeatInput['transform'] | null;
  repeat_available_at?: string | null;
  repeat_after_cases?: number | null;
};

export function createRepeat(caseId: number, input: RepeatInput): Promise<Case & CaseRepeatFields> {
  return api.post<Case & CaseRepeatFields>(`/api/cases/${caseId}/repeat`, input);
}

export function useCreateRepeat(caseId: number, datasetId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: RepeatInput) => createRepeat(caseId, input),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: casesKey(datasetId) });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
