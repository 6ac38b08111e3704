import { useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { ApiError, errorMessage } from '@/lib/api-client';
import { useChangePassword } from '../api/change-password';

/** Change one's own password: the current one, the new one twice; the server applies the site's rules. */
export function PasswordForm() {
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useChangePassword();
  const field = change.error instanceof ApiError ? change.error.field : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (newPassword !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate(
      { old_password: oldPassword, new_password: newPassword },
      {
        onSuccess: () => {
          setOldPassword('');
          setNewPassword('');
          setRepeat('');
        },
      },
    );
  }

  return (
    <form className="stack" onSubmit={submit} aria-label="Change your password" data-testid="password-form">
      <label className="field">
        <span>Current password</span>
        <input type="password" autoComplete="current-password" required value={oldPassword}
          data-testid="password-old" aria-invalid={field === 'old_password' || undefined}
          onChange={(e) => setOldPassword(e.target.value)} />
      </label>
      <label className="field">
        <span>New password</span>
        <input type="password" autoComplete="new-password" required value={newPassword}
          data-testid="password-new" aria-invalid={field === 'new_password' || undefined}
          onChange={(e) => setNewPassword(e.target.value)} />
        <span className="hint">At least 10 characters, not a common password, not only digits, not like your name.</span>
      </label>
      <label className="field">
        <span>New password again</span>
        <input type="password" autoComplete="new-password" required value={repeat} data-testid="password-repeat"
          aria-invalid={mismatch || undefined} onChange={(e) => setRepeat(e.target.value)} />
      </label>
      <div>
        <button type="submit" className="btn btn-primary" data-testid="password-submit" disabled={change.isPending}>
          Change password
        </button>
      </div>
      {mismatch ? <ErrorBox>The two new passwords differ.</ErrorBox> : null}
      {change.isError ? <ErrorBox>{errorMessage(change.error)}</ErrorBox> : null}
      {change.isSuccess ? <p className="success" role="status" data-testid="password-changed">Your password was changed.</p> : null}
    </form>
  );
}
