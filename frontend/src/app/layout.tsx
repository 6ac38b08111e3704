import { Suspense, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { useMe, type User } from '@/features/auth/api/get-me';
import { useLogout } from '@/features/auth/api/logout';
import { errorMessage } from '@/lib/api-client';

/** Only signed-in users past this point; GET /api/auth/me also sets the CSRF cookie. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading what="Checking your session" />;
  if (me.isError) {
    return (
      <main className="page">
        <ErrorBox title="MyoQA is not reachable">{errorMessage(me.error)}</ErrorBox>
      </main>
    );
  }
  if (!me.data.user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

/** The signed-in user, for pages under RequireAuth. */
export function useCurrentUser(): User {
  const me = useMe();
  const user = me.data?.user;
  if (!user) throw new Error('useCurrentUser outside RequireAuth');
  return user;
}

function Header({ user }: { user: User }) {
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <header className="app-header">
      <div className="header-inner">
        <Link to="/" className="brand" aria-label="MyoQA home">
          <span className="brand-mark" aria-hidden="true" />
          MyoQA
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>Home</NavLink>
          {user.role === 'trainee' ? <NavLink to="/practice">Practice</NavLink> : null}
          {user.role === 'trainee' ? <NavLink to={`/trainees/${user.id}`}>My progress</NavLink> : null}
          {user.role === 'supervisor' ? <NavLink to="/consensus-models" data-testid="nav-consensus-models">Consensus models</NavLink> : null}
          {user.role === 'supervisor' ? <NavLink to="/audit" data-testid="nav-audit">Audit log</NavLink> : null}
        </nav>
        <div className="user-box">
          <Link to="/account" className="user-name" data-testid="current-user" title="My account: change your password">
            {user.full_name || user.username}
          </Link>
          <span className={`role-tag role-${user.role}`} data-testid="current-role">{user.role === 'supervisor' ? 'Supervisor' : 'Trainee'}</span>
          <button type="button" className="btn btn-small" data-testid="logout" disabled={logout.isPending}
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}

export function Layout() {
  const user = useCurrentUser();
  return (
    <div className="app">
      <Header user={user} />
      <main className="page" id="main">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
