/** "Active": the model evaluations use now (text carries the meaning, colour repeats it). */
export function ActiveBadge({ testId }: { testId?: string }) {
  return <span className="badge badge-done" data-testid={testId}>Active</span>;
}
