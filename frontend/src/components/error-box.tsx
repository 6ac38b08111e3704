import type { ReactNode } from 'react';

/** A prominent error message: what went wrong and what to do about it. */
export function ErrorBox({ title, children, testId }: { title?: string; children: ReactNode; testId?: string }) {
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      {title ? <strong className="error-title">{title}</strong> : null}
      <div>{children}</div>
    </div>
  );
}

export function Note({ children }: { children: ReactNode }) {
  return <p className="note">{children}</p>;
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}
