import { lazy, Suspense, type ComponentProps } from 'react';

// recharts is the largest dependency: load it only where a chart is shown.
const AttemptsChartImpl = lazy(() => import('./attempts-chart'));

export type { AttemptPoint } from './attempts-chart';

export function AttemptsChart(props: ComponentProps<typeof AttemptsChartImpl>) {
  return (
    <Suspense fallback={<div className="chart-placeholder" style={{ height: props.height ?? 260 }} />}>
      <AttemptsChartImpl {...props} />
    </Suspense>
  );
}
