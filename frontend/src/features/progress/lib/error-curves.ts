import type { TraineeErrorClasses } from '../api/get-trainee-error-classes';

export type ErrorKind = TraineeErrorClasses['kinds'][number]['kind'];

/** One error class over attempt numbers: how many of the attempts with that number on their case had it. */
export type ErrorCurve = {
  kind: ErrorKind;
  label: string;
  /** per attempt number 1, 2, ...: attempts that had the class, attempts in all, mean size (mm) where it occurred */
  points: { index: number; count: number; total: number; meanSizeMm: number | null }[];
};

/** The curves of the classes that occurred at least once, in the analysis core's order (the response's `kinds`). */
export function errorCurves(data: TraineeErrorClasses): ErrorCurve[] {
  const maxIndex = Math.max(0, ...data.attempts.map((a) => a.attempt_index));
  const totals = Array.from({ length: maxIndex }, (_, i) => data.attempts.filter((a) => a.attempt_index === i + 1).length);
  const curves: ErrorCurve[] = [];
  for (const { kind, label } of data.kinds) {
    const points = totals.map((total, i) => {
      const sizes = data.attempts
        .filter((a) => a.attempt_index === i + 1)
        .flatMap((a) => {
          const mine = a.classes.filter((c) => c.kind === kind);
          return mine.length ? [Math.max(...mine.map((c) => c.size_mm ?? 0))] : [];
        });
      return {
        index: i + 1,
        count: sizes.length,
        total,
        meanSizeMm: sizes.length ? sizes.reduce((s, v) => s + v, 0) / sizes.length : null,
      };
    });
    if (points.some((p) => p.count > 0)) curves.push({ kind, label, points });
  }
  return curves;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

export function ordinal(n: number): string {
  if (n >= 1 && n <= ORDINALS.length) return ORDINALS[n - 1];
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

/**
 * One sentence per class: "Endocardium inside: in 2 of your 2 first attempts, 1 of 2 second attempts, 0 of 1 third
 * attempt." (every attempt number, so that a class that went away reads as 0).
 */
export function curveSentence(curve: ErrorCurve): string {
  const parts = curve.points
    .filter((p) => p.total > 0)
    .map((p, i) => `${i === 0 ? 'in ' : ''}${p.count} of ${i === 0 ? 'your ' : ''}${p.total} ${ordinal(p.index)} attempt${p.total === 1 ? '' : 's'}`);
  return `${curve.label}: ${parts.join(', ')}.`;
}
