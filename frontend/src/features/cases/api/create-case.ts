import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiJson } from '@/lib/api-client';
import { casesKey } from './get-cases';
import type { Case } from './get-case';

/**
 * POST /api/cases/ (supervisor, multipart): dataset, title, image (one or more DICOM files, or one zip of a
 * multi-echo series), gold_standard (SAV; required unless the dataset uses team average), experts (zero or more
 * SAV files) → 201 Case; 400 {"detail","field"} with the analysis core's message.
 */
export type CreateCaseInput = {
  dataset: number;
  title: string;
  image: File[];
  gold_standard: File | null;
  experts: File[];
};

export function createCaseForm(input: CreateCaseInput): FormData {
  const fd = new FormData();
  fd.append('dataset', String(input.dataset));
  fd.append('title', input.title);
  for (const f of input.image) fd.append('image', f);
  if (input.gold_standard) fd.append('gold_standard', input.gold_standard);
  for (const f of input.experts) fd.append('experts', f);
  return fd;
}

export function createCase(input: CreateCaseInput): Promise<Case> {
  return apiJson<Case>('/api/cases/', { method: 'POST', body: createCaseForm(input) });
}

export function useCreateCase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createCase,
    onSuccess: (_c, v) => {
      void qc.invalidateQueries({ queryKey: casesKey(v.dataset) });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
