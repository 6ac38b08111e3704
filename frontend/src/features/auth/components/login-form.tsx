import { useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { useLogin } from '../api/login';
import type { User } from '../api/get-me';

export function LoginForm({ onSuccess }: { onSuccess?: (user: User) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const mutation = useLogin();

  function submit(e: FormEvent) {
    e.preventDefault();
    mutation.mutate({ username, password }, {
      onSuccess: (data) => {
        if (data.user) onSuccess?.(data.user);
      },
    });
  }

  return (
    <form className="card form login-form" onSubmit={submit} aria-labelledby="login-heading">
      <h1 id="login-heading">Sign in to MyoQA</h1>
      <p className="muted">Contour training for cardiac MR parametric mapping.</p>
      {mutation.isError ? <ErrorBox testId="login-error">{errorMessage(mutation.error)}</ErrorBox> : null}
      <label className="field">
        <span>Username</span>
        <input data-testid="login-username" name="username" autoComplete="username" required value={username}
          onChange={(e) => setUsername(e.target.value)} autoFocus />
      </label>
      <label className="field">
        <span>Password</span>
        <input data-testid="login-password" name="password" type="password" autoComplete="current-password" required
          value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="btn btn-primary" data-testid="login-submit" disabled={mutation.isPending}>
        {mutation.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
