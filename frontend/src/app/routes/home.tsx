import { lazy } from 'react';
import { useCurrentUser } from '../layout';

const TraineeHome = lazy(() => import('./trainee-home'));
const SupervisorHome = lazy(() => import('./supervisor-home'));

/** Home by role. */
export function HomeRoute() {
  const user = useCurrentUser();
  return user.role === 'supervisor' ? <SupervisorHome /> : <TraineeHome />;
}
