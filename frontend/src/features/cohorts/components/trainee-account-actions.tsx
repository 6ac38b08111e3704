import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { personName } from '@/lib/vocabulary';
import { useResetTraineePassword, useSetTraineeActive } from '../api/trainee-account';

export type TraineeRow = { id: number; username: string; full_name: string; is_active?: boolean; directory?: boolean };

/**
 * A supervisor's buttons for one trainee's account: reset the password (a temporary one, shown once to hand over;
 * not for hospital-directory accounts) and deactivate / reactivate.
 */
export function TraineeAccountActions({ trainee }: { trainee: TraineeRow }) {
  const reset = useResetTraineePassword();
  const active = useSetTraineeActive();
  const isActive = trainee.is_active !== false;
  const name = personName(trainee);
  return (
    <span className="account-actions">
      {isActive ? null : <span className="role-tag" data-testid={`trainee-deactivated-${trainee.id}`}>Deactivated</span>}
      {trainee.directory ? (
        <span className="hint" title="Signs in with the hospital directory: the password is changed there">Hospital account</span>
      ) : (
        <button type="button" className="btn btn-small" data-testid={`reset-password-${trainee.id}`} disabled={reset.isPending}
          onClick={() => {
            if (window.confirm(`Give ${name} a new temporary password? Their current password stops working.`)) {
              reset.mutate({ traineeId: trainee.id });
            }
          }}>
          Reset password
        </button>
      )}
      <button type="button" className="btn btn-small" data-testid={`set-active-${trainee.id}`} disabled={active.isPending}
        onClick={() => {
          if (!isActive || window.confirm(`Deactivate ${name}? They cannot sign in until reactivated; their work stays.`)) {
            active.mutate({ traineeId: trainee.id, isActive: !isActive });
          }
        }}>
        {isActive ? 'Deactivate' : 'Reactivate'}
      </button>
      {reset.data ? (
        <span className="note" role="status" data-testid={`temporary-password-${trainee.id}`}>
          New password for {trainee.username}: <code>{reset.data.password}</code> (shown once: hand it over; they
          change it under My account)
        </span>
      ) : null}
      {reset.isError ? <ErrorBox>{errorMessage(reset.error)}</ErrorBox> : null}
      {active.isError ? <ErrorBox>{errorMessage(active.error)}</ErrorBox> : null}
    </span>
  );
}
