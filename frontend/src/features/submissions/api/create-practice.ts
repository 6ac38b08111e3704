import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiJson } from '@/lib/api-client';
import { submissionKey, type Submission } from './get-submission';

/**
 * POST /api/practice/ (trainee, multipart): image (files), contours → 201 Submission, evaluated against the
 * automatic consensus when one is active, else the trainee's own values only.
 */
export type CreatePracticeInput = { image: File[]; contours: File };

export function createPractice({ image, contours }: CreatePracticeInput): Promise<Submission> {
  const fd = new FormData();
  for (const f of image) fd.append('image', f);
  fd.append('contours', contours);
  return apiJson<Submission>('/api/practice/', { method: 'POST', body: fd });
}

export function useCreatePractice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createPractice,
    onSuccess: (s) => qc.setQueryData(submissionKey(s.id), s),
  });
}
