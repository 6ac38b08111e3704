import { useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import type { Cohort } from '../api/get-cohorts';
import { useDeleteCohort, useUpdateCohort } from '../api/manage-cohort';

/** Archive (hide from its trainees, keep in reports) or delete a cohort, after a confirmation. */
export function CohortLifecycle({ cohort }: { cohort: Cohort }) {
  const update = useUpdateCohort();
  const remove = useDeleteCohort();
  const [confirming, setConfirming] = useState(false);
  const error = update.error ?? remove.error;
  return (
    <div className="button-row" data-testid={`cohort-lifecycle-${cohort.id}`}>
      <button type="button" className="btn btn-small" disabled={update.isPending}
        onClick={() => update.mutate({ id: cohort.id, archived: !cohort.archived })}>
        {cohort.archived ? 'Bring back' : 'Archive'}
      </button>
      {confirming ? (
        <>
          <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending}
            data-testid={`cohort-delete-confirm-${cohort.id}`} onClick={() => remove.mutate(cohort.id)}>
            Delete the cohort and its class reports
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>Cancel</button>
        </>
      ) : (
        <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirming(true)}>Delete…</button>
      )}
      {cohort.archived ? <span className="muted small">Archived: hidden from its trainees.</span> : null}
      {error ? <span className="error-detail" role="alert">{errorMessage(error)}</span> : null}
    </div>
  );
}
