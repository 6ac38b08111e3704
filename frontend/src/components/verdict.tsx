import type { components } from '@/lib/api-schema';
import { DASH, fmt, fmtSigned, isNum } from '@/lib/format';

/**
 * The stored verdict of an evaluation, shown the same on every page (architecture convention 16): the backend
 * (backend/cmr/summary.py) decided it once; these components only display `result`, `message` and `checks`, and
 * never compare a number with a limit themselves.
 */
export type Verdict = components['schemas']['Verdict'];
export type ToleranceCheck = components['schemas']['ToleranceCheck'];
export type VerdictResult = Verdict['result'];

const RESULT_TEXT: Record<VerdictResult, { symbol: string; word: string; className: string }> = {
  within: { symbol: '✓', word: 'within', className: 'mark-ok' },
  outside: { symbol: '✗', word: 'outside', className: 'mark-bad' },
  not_assessed: { symbol: '–', word: 'not assessed', className: 'mark-none' },
};

/** ✓ within / ✗ outside / – not assessed, in words as well as colour. Nothing while there is no verdict yet. */
export function VerdictMark({ verdict, testId }: { verdict: Pick<Verdict, 'result'> | null | undefined; testId?: string }) {
  if (!verdict) return null;
  const t = RESULT_TEXT[verdict.result];
  return (
    <span className={`mark ${t.className}`} data-testid={testId} data-result={verdict.result}>
      <span aria-hidden="true">{t.symbol}</span> {t.word}
    </span>
  );
}

/** The labels of the tolerances that failed, e.g. "Myocardial T1, Mean wall thickness" (read from the checks). */
export function failedLabels(verdict: Verdict): string[] {
  return verdict.checks.filter((c) => c.passed === false).map((c) => c.label);
}

/** The mark and the verdict's own sentence ("Outside expert agreement. Myocardial T1: differs by ..."). */
export function VerdictLine({ verdict, testId, compact = false }: {
  verdict: Verdict | null | undefined;
  testId?: string;
  /** One line for tables: the mark and the sentence in small type. */
  compact?: boolean;
}) {
  if (!verdict) return null;
  return (
    <span className={compact ? 'verdict-line verdict-compact' : 'verdict-line'} data-testid={testId} data-result={verdict.result}>
      <VerdictMark verdict={verdict} />{' '}
      <span className={compact ? 'small' : undefined} data-testid={testId ? `${testId}-message` : undefined}>{verdict.message}</span>
    </span>
  );
}

function decimalsFor(unit: string): number {
  if (unit === '') return 3; // Dice
  if (unit === 'mm') return 2;
  return 1; // ms, %
}

function withUnit(text: string, unit: string): string {
  if (text === DASH || !unit) return text;
  return unit === '%' ? `${text} %` : `${text} ${unit}`;
}

/** The measured value as the check judged it: Dice as is, a difference with its sign, a distance as is. */
export function checkMeasured(c: ToleranceCheck): string {
  const d = decimalsFor(c.unit);
  return withUnit(c.comparison === 'within' ? fmtSigned(c.measured, d) : fmt(c.measured, d), c.unit);
}

/** The limit as the check states it: "≥ 0.85", "±8.4 ms", "≤ 3.00 mm". */
export function checkLimit(c: ToleranceCheck): string {
  const d = c.unit === '' ? 2 : decimalsFor(c.unit);
  const prefix = { at_least: '≥ ', within: '±', at_most: '≤ ' }[c.comparison];
  return withUnit(`${prefix}${fmt(c.limit, d)}`, c.unit);
}

/** How far inside the limit (+) or over it (−), in the check's unit. */
export function checkMargin(c: ToleranceCheck): string {
  if (!isNum(c.margin)) return DASH;
  return withUnit(fmtSigned(c.margin, decimalsFor(c.unit)), c.unit);
}

/** ✓ pass / ✗ fail / – not measured: a stored check's `passed`, in words as well as colour. */
export function PassMark({ passed, testId }: { passed: boolean | null; testId: string }) {
  if (passed === null) {
    return <span className="mark mark-none" data-testid={testId} data-passed="unknown"><span aria-hidden="true">–</span> not measured</span>;
  }
  return (
    <span className={`mark ${passed ? 'mark-ok' : 'mark-bad'}`} data-testid={testId} data-passed={passed ? 'yes' : 'no'}>
      <span aria-hidden="true">{passed ? '✓' : '✗'}</span> {passed ? 'pass' : 'fail'}
    </span>
  );
}

/** Every tolerance of the verdict: what was measured, the limit, pass / fail and by how much. */
export function ChecksTable({ checks }: { checks: ToleranceCheck[] }) {
  if (checks.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="table compact checks-table stack-table" data-testid="verdict-checks">
        <caption className="visually-hidden">Each tolerance: measured value, limit, pass or fail, margin</caption>
        <thead>
          <tr>
            <th scope="col">Tolerance</th>
            <th scope="col" className="num-col">Measured</th>
            <th scope="col" className="num-col">Limit</th>
            <th scope="col">Result</th>
            <th scope="col" className="num-col" title="How far inside the limit (+) or over it (−)">Margin</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.quantity} data-testid={`check-${c.quantity}`} data-passed={c.passed === null ? 'unknown' : c.passed ? 'yes' : 'no'}
              className={c.passed === false ? 'check-failed' : undefined} title={c.message}>
              <th scope="row">{c.label}</th>
              <td className="num-col" data-label="Measured" data-testid={`check-${c.quantity}-measured`}>{checkMeasured(c)}</td>
              <td className="num-col" data-label="Limit" data-testid={`check-${c.quantity}-limit`}>{checkLimit(c)}</td>
              <td data-label="Result"><PassMark passed={c.passed} testId={`check-${c.quantity}-passed`} /></td>
              <td className="num-col" data-label="Margin" data-testid={`check-${c.quantity}-margin`}>{checkMargin(c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The feedback page's verdict: the result in large type, its sentence, and the checks table. */
export function VerdictPanel({ verdict }: { verdict: Verdict }) {
  return (
    <section className={`card verdict-panel verdict-${verdict.result}`} aria-labelledby="verdict-heading" data-testid="verdict">
      <h2 id="verdict-heading" className="verdict-heading">
        Verdict <VerdictMark verdict={verdict} testId="verdict-result" />
      </h2>
      <p className="verdict-message" data-testid="verdict-message">{verdict.message}</p>
      <ChecksTable checks={verdict.checks} />
    </section>
  );
}
