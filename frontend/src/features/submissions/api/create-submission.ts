import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiJson } from '@/lib/api-client';
import { submissionKey, type Submission } from './get-submission';

/**
 * POST /api/submissions/ (trainee, multipart): case, contours (SAV / .npy / .png), optional image (the DICOM
 * they contoured; checked to be the case's image) → 201 Submission (status "queued"); 400 {"detail","field"}.
 */
export type CreateSubmissionInput = { caseId: number; contours: File; image: File[] };

export function createSubmission({ caseId, contours, image }: CreateSubmissionInput): Promise<Submission> {
  const fd = new FormData();
  fd.append('case', String(caseId));
  fd.append('contours', contours);
  for (const f of image) fd.append('image', f);
  return apiJson<Submission>('/api/submissions/', { method: 'POST', body: fd });
}

export function useCreateSubmission() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createSubmission,
    onSuccess: (s, v) => {
      qc.setQueryData(submissionKey(s.id), s);
      void qc.invalidateQueries({ queryKey: ['submissions', v.caseId] });
      void qc.invalidateQueries({ queryKey: ['case', v.caseId] });
      void qc.invalidateQueries({ queryKey: ['trainee-history'] });
    },
  });
}
