import { Link } from 'react-router';
import { PasswordForm } from '@/features/auth/components/password-form';
import { useCurrentUser } from '../layout';

/** The signed-in user's account: their password (local accounts; directory accounts change it in the directory). */
export default function AccountRoute() {
  const user = useCurrentUser();
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › My account</nav>
      <h1>My account</h1>
      <p className="muted">Signed in as {user.full_name || user.username} ({user.username}).</p>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <p className="hint">If you sign in with your hospital account, change your password with the hospital instead.</p>
        <PasswordForm />
      </section>
    </div>
  );
}
