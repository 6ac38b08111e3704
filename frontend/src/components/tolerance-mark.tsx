/** ✓ within / ✗ outside tolerance, in words as well as colour; nothing when it cannot be judged. */
export function ToleranceMark({ within, testId }: { within: boolean | null | undefined; testId?: string }) {
  if (within === null || within === undefined) {
    return (
      <span className="mark mark-none" data-testid={testId} data-within="unknown">
        <span aria-hidden="true">–</span>
        <span className="visually-hidden">tolerance not assessed</span>
      </span>
    );
  }
  return (
    <span className={`mark ${within ? 'mark-ok' : 'mark-bad'}`} data-testid={testId} data-within={within ? 'yes' : 'no'}>
      <span aria-hidden="true">{within ? '✓' : '✗'}</span> {within ? 'within' : 'outside'}
    </span>
  );
}
