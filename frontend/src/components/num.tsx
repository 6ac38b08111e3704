import { fmt } from '@/lib/format';

/** A number and its unit; the number alone is in the element with the test id. */
export function Num({ value, decimals, unit, testId, signed = false }: {
  value: number | null | undefined;
  decimals: number;
  unit?: string;
  testId?: string;
  signed?: boolean;
}) {
  const text = fmt(value, decimals);
  const shown = signed && typeof value === 'number' && value > 0 && Number(text) !== 0 ? `+${text}` : text;
  const defined = typeof value === 'number' && Number.isFinite(value);
  return (
    <span className="num">
      <span data-testid={testId}>{shown}</span>
      {unit && defined ? <span className="unit"> {unit}</span> : null}
    </span>
  );
}
