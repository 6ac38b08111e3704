import { useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { Submission } from '../api/get-submission';
import { useCreatePractice } from '../api/create-practice';
import { useCreateSubmission } from '../api/create-submission';

export const CONTOUR_GUIDANCE =
  'IDL SAV file with ENDO_X/ENDO_Y/EPI_X/EPI_Y or a CONTOURS structure or a myocardium mask';

const FIELD_HELP: Record<string, string> = {
  contours: 'Your contour file',
  image: 'The image file',
  case: 'The case',
};

type Props =
  | { mode: 'case'; caseId: number; onCreated: (s: Submission) => void }
  | { mode: 'practice'; onCreated: (s: Submission) => void };

/**
 * Upload contours (and the DICOM): for a case (image optional, checked to be the case's image) or for practice on
 * an own image (image required). A 400 shows the server's one-line detail in an error box.
 */
export function UploadForm(props: Props) {
  const [contours, setContours] = useState<File | null>(null);
  const [image, setImage] = useState<File[]>([]);
  const submission = useCreateSubmission();
  const practice = useCreatePractice();
  const mutation = props.mode === 'case' ? submission : practice;
  const imageRequired = props.mode === 'practice';

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!contours) return;
    if (props.mode === 'case') {
      submission.mutate({ caseId: props.caseId, contours, image }, { onSuccess: props.onCreated });
    } else {
      practice.mutate({ image, contours }, { onSuccess: props.onCreated });
    }
  }

  const err = mutation.error;
  const field = err instanceof ApiError && err.field ? (FIELD_HELP[err.field] ?? err.field) : null;

  return (
    <form className="form card" onSubmit={submit} aria-labelledby="upload-heading">
      <h2 id="upload-heading">{props.mode === 'case' ? 'Submit your contours' : 'Upload an image and your contours'}</h2>
      <label className="field">
        <span>Contours file (required)</span>
        <input data-testid="upload-contours" type="file" required accept=".sav,.npy,.png"
          onChange={(e) => setContours(e.target.files?.[0] ?? null)} />
        <span className="hint">{CONTOUR_GUIDANCE}. A .npy or .png mask of the image's size also works.</span>
      </label>
      <label className="field">
        <span>{imageRequired ? 'Image (required)' : 'The DICOM you contoured (optional)'}</span>
        <input data-testid="upload-image" type="file" multiple required={imageRequired}
          onChange={(e) => setImage(Array.from(e.target.files ?? []))} />
        <span className="hint">
          {imageRequired
            ? 'One DICOM T1 or T2 map, or all echoes of one slice of a multi-echo T2* series (files or one zip).'
            : 'If given, it is checked to be this case’s image, so you know you contoured the right one.'}
        </span>
      </label>
      {mutation.isError ? (
        <ErrorBox title={field ? `Please fix: ${field}` : 'The upload was not accepted'} testId="upload-error">
          <p className="error-detail">{errorMessage(err)}</p>
          {err instanceof ApiError && err.status === 400 ? (
            <p className="small">Nothing was stored. Correct the file and upload again. Expected: {CONTOUR_GUIDANCE}.</p>
          ) : null}
        </ErrorBox>
      ) : null}
      <button type="submit" className="btn btn-primary" data-testid="upload-submit" disabled={mutation.isPending || !contours}>
        {mutation.isPending ? 'Uploading…' : props.mode === 'case' ? 'Submit for feedback' : 'Evaluate'}
      </button>
    </form>
  );
}
