import { isNum } from '@/lib/format';
import type { SubmissionSummary } from '../api/get-submissions';

/**
 * The Dice and Hausdorff distance that stand for an attempt in charts and lists: the myocardium Dice, and the
 * larger of the endocardial and epicardial Hausdorff distances (the worst boundary error), unless the summary
 * carries `dice` / `hausdorff_mm` itself (as the cohort overview's Result does).
 */
export function attemptDice(s: SubmissionSummary): number | null {
  if (isNum(s.dice)) return s.dice;
  const d = s.result?.agreement?.myocardium?.dice;
  return isNum(d) ? d : null;
}

export function attemptHausdorff(s: SubmissionSummary): number | null {
  if (isNum(s.hausdorff_mm)) return s.hausdorff_mm;
  const a = s.result?.agreement;
  const vals = [a?.endocardium?.hausdorff_mm, a?.epicardium?.hausdorff_mm].filter(isNum);
  return vals.length ? Math.max(...vals) : null;
}

export function attemptWithin(s: SubmissionSummary): boolean | null {
  if (typeof s.within_tolerance === 'boolean') return s.within_tolerance;
  const all = s.tolerance?.within?.all;
  if (typeof all === 'boolean') return all;
  const dice = attemptDice(s);
  const tol = s.tolerance?.dice;
  return dice !== null && isNum(tol) ? dice >= tol : null;
}

/** Within the Dice tolerance (used where only Dice is shown). */
export function diceWithin(dice: number | null | undefined, tolerance: number | null | undefined): boolean | null {
  return isNum(dice) && isNum(tolerance) ? dice >= tolerance : null;
}

export function absWithin(delta: number | null | undefined, tolerance: number | null | undefined): boolean | null {
  return isNum(delta) && isNum(tolerance) ? Math.abs(delta) <= tolerance : null;
}
