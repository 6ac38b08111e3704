import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TraineeErrorClasses } from '../api/get-trainee-error-classes';
import { curveSentence, errorCurves } from '../lib/error-curves';
import { ErrorClassChart } from './error-class-chart';

const KINDS: TraineeErrorClasses['kinds'] = [
  { kind: 'shift', label: 'Shifted contours' },
  { kind: 'epicardium_outside', label: 'Epicardium outside' },
  { kind: 'endocardium_inside', label: 'Endocardium inside' },
];

function attempt(caseId: number, index: number, kinds: TraineeErrorClasses['kinds'][number]['kind'][], size = 1.5) {
  return {
    submission_id: caseId * 10 + index, case_id: caseId, case_title: `Case ${caseId}`, dataset_id: 1,
    attempt_index: index, created_at: `2026-03-0${index}T10:0${caseId}:00Z`,
    classes: kinds.map((kind) => ({ kind, structure: 'endocardium', size_mm: size })),
  };
}

// Three cases: trabeculae in all three first attempts, in one of two second attempts, gone in the third.
const DATA: TraineeErrorClasses = {
  trainee_id: 11,
  kinds: KINDS,
  attempts: [
    attempt(1, 1, ['endocardium_inside', 'epicardium_outside']),
    attempt(2, 1, ['endocardium_inside']),
    attempt(3, 1, ['endocardium_inside']),
    attempt(1, 2, ['endocardium_inside'], 0.5),
    attempt(2, 2, []),
    attempt(1, 3, []),
  ],
};

describe('error class learning curves', () => {
  it('counts each class per attempt number and leaves out the classes that never occurred', () => {
    const curves = errorCurves(DATA);
    expect(curves.map((c) => c.kind)).toEqual(['epicardium_outside', 'endocardium_inside']);
    const endo = curves[1];
    expect(endo.points.map((p) => [p.index, p.count, p.total])).toEqual([[1, 3, 3], [2, 1, 2], [3, 0, 1]]);
    expect(endo.points[0].meanSizeMm).toBeCloseTo(1.5);
    expect(endo.points[1].meanSizeMm).toBeCloseTo(0.5);
  });

  it('says in a sentence how often the class occurred in the first, second and third attempts', () => {
    const endo = errorCurves(DATA)[1];
    expect(curveSentence(endo)).toBe(
      'Endocardium inside: in 3 of your 3 first attempts, 1 of 2 second attempts, 0 of 1 third attempt.',
    );
  });

  it('shows the chart with one sentence per class', () => {
    render(<ErrorClassChart data={DATA} />);
    const items = screen.getByTestId('error-curve-sentences').querySelectorAll('li');
    expect([...items].map((li) => li.textContent)).toEqual([
      'Epicardium outside: in 1 of your 3 first attempts, 0 of 2 second attempts, 0 of 1 third attempt.',
      'Endocardium inside: in 3 of your 3 first attempts, 1 of 2 second attempts, 0 of 1 third attempt.',
    ]);
    expect(screen.getByRole('figure', { name: /share of your attempts/i })).toBeInTheDocument();
  });

  it('says so when no attempt had any error class', () => {
    render(<ErrorClassChart data={{ ...DATA, attempts: [attempt(1, 1, [])] }} />);
    expect(screen.getByTestId('error-curves-none')).toHaveTextContent('No error class found in any of your 1 evaluated attempts.');
  });
});
