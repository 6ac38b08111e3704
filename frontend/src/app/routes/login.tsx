import { Navigate, useLocation, useNavigate } from 'react-router';
import { Loading } from '@/components/error-box';
import { useMe } from '@/features/auth/api/get-me';
import { LoginForm } from '@/features/auth/components/login-form';

export function LoginRoute() {
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (me.isPending) return <Loading what="Checking your session" />;
  if (me.data?.user) return <Navigate to={from} replace />;
  return (
    <main className="login-page">
      <LoginForm onSuccess={() => navigate(from, { replace: true })} />
    </main>
  );
}
