import { useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useDeleteDataset } from '../api/delete-dataset';
import type { Dataset } from '../api/get-datasets';
import { useUpdateDataset } from '../api/update-dataset';

/** Archive (hide from trainees, keep in reports and exports) or delete a dataset, after a confirmation. */
export function DatasetLifecycle({ dataset }: { dataset: Dataset }) {
  const update = useUpdateDataset();
  const remove = useDeleteDataset();
  const [confirming, setConfirming] = useState(false);
  const error = update.error ?? remove.error;
  return (
    <div className="button-row" data-testid={`dataset-lifecycle-${dataset.id}`}>
      <button type="button" className="btn btn-small" disabled={update.isPending}
        onClick={() => update.mutate({ id: dataset.id, archived: !dataset.archived })}>
        {dataset.archived ? 'Bring back' : 'Archive'}
      </button>
      {confirming ? (
        <>
          <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending}
            data-testid={`dataset-delete-confirm-${dataset.id}`} onClick={() => remove.mutate(dataset.id)}>
            Delete with its {dataset.n_cases} case(s), their submissions and files
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>Cancel</button>
        </>
      ) : (
        <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirming(true)}>Delete…</button>
      )}
      {dataset.archived ? <span className="muted small">Archived: hidden from trainees.</span> : null}
      {error ? <span className="error-detail" role="alert">{errorMessage(error)}</span> : null}
    </div>
  );
}
