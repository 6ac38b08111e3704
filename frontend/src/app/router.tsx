import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { Loading } from '@/components/error-box';
import { Layout, RequireAuth } from './layout';
import { LoginRoute } from './routes/login';
import { HomeRoute } from './routes/home';
import { NotFoundRoute } from './routes/not-found';

// Pages beyond the first are split off, so the login page loads little.
const CaseRoute = lazy(() => import('./routes/case'));
const FeedbackRoute = lazy(() => import('./routes/feedback'));
const DrawRoute = lazy(() => import('./routes/draw'));
const PracticeRoute = lazy(() => import('./routes/practice'));
const CohortOverviewRoute = lazy(() => import('./routes/cohort-overview'));
const TraineeHistoryRoute = lazy(() => import('./routes/trainee-history'));
const ConsensusModelsRoute = lazy(() => import('./routes/consensus-models'));
const ConsensusModelRoute = lazy(() => import('./routes/consensus-model'));
const AccountRoute = lazy(() => import('./routes/account'));
const AuditRoute = lazy(() => import('./routes/audit'));

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginRoute />} />
        <Route element={<RequireAuth><Layout /></RequireAuth>}>
          <Route index element={<HomeRoute />} />
          <Route path="cases/:caseId" element={<CaseRoute />} />
          <Route path="cases/:caseId/draw" element={<DrawRoute />} />
          <Route path="submissions/:submissionId" element={<FeedbackRoute />} />
          <Route path="practice" element={<PracticeRoute />} />
          <Route path="cohorts/:cohortId" element={<CohortOverviewRoute />} />
          <Route path="trainees/:traineeId" element={<TraineeHistoryRoute />} />
          <Route path="consensus-models" element={<ConsensusModelsRoute />} />
          <Route path="consensus-models/:modelId" element={<ConsensusModelRoute />} />
          <Route path="account" element={<AccountRoute />} />
          <Route path="audit" element={<AuditRoute />} />
          <Route path="*" element={<NotFoundRoute />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
