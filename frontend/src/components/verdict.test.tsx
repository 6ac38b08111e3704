import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { outsideVerdict, verdict } from '@/testing/fixtures';
import { ChecksTable, checkLimit, checkMargin, checkMeasured, failedLabels, VerdictLine, VerdictPanel } from './verdict';

const T1_MESSAGE = 'Outside expert agreement. Myocardial T1: differs by +22.9 ms, 14.5 ms over the limit of ±8.4 ms.';

describe('the verdict', () => {
  it('shows the stored sentence word for word, with the result in words', () => {
    render(<VerdictLine verdict={outsideVerdict()} testId="v" />);
    expect(screen.getByTestId('v-message')).toHaveTextContent(T1_MESSAGE);
    expect(screen.getByTestId('v')).toHaveTextContent('✗ outside');
    expect(screen.getByTestId('v')).toHaveAttribute('data-result', 'outside');
  });

  it('lists every check: tolerance, measured, limit, pass / fail and margin, in their units', () => {
    render(<ChecksTable checks={outsideVerdict().checks} />);
    const t1 = screen.getByTestId('check-t1');
    expect(within(t1).getByText('Myocardial T1')).toBeInTheDocument();
    expect(screen.getByTestId('check-t1-measured')).toHaveTextContent('+22.9 ms');
    expect(screen.getByTestId('check-t1-limit')).toHaveTextContent('±8.4 ms');
    expect(screen.getByTestId('check-t1-passed')).toHaveTextContent('✗ fail');
    expect(screen.getByTestId('check-t1-margin')).toHaveTextContent('-14.5 ms');
    expect(screen.getByTestId('check-dice-measured')).toHaveTextContent('0.899');
    expect(screen.getByTestId('check-dice-limit')).toHaveTextContent('≥ 0.85');
    expect(screen.getByTestId('check-dice-passed')).toHaveTextContent('✓ pass');
    expect(screen.getByTestId('check-wall_thickness-limit')).toHaveTextContent('±1.50 mm');
  });

  it('shows what the stored check says even where the numbers look otherwise (it never re-judges)', () => {
    const v = verdict();
    v.checks[0] = { ...v.checks[0], passed: false };
    render(<ChecksTable checks={v.checks} />);
    expect(screen.getByTestId('check-dice-passed')).toHaveTextContent('✗ fail');
  });

  it('says a check that could not be measured, and names the failed tolerances', () => {
    const v = outsideVerdict();
    v.checks[2] = { ...v.checks[2], measured: null, passed: null, margin: null };
    render(<ChecksTable checks={v.checks} />);
    expect(screen.getByTestId('check-wall_thickness-passed')).toHaveTextContent('not measured');
    expect(screen.getByTestId('check-wall_thickness-measured')).toHaveTextContent('—');
    expect(failedLabels(v)).toEqual(['Myocardial T1']);
  });

  it('formats the HD95 and T2* (%) checks', () => {
    const hd = { quantity: 'hd95' as const, label: 'HD95 (worse wall)', measured: 3.456, limit: 3, unit: 'mm',
      comparison: 'at_most' as const, passed: false, margin: -0.456, message: '' };
    expect(checkMeasured(hd)).toBe('3.46 mm');
    expect(checkLimit(hd)).toBe('≤ 3.00 mm');
    expect(checkMargin(hd)).toBe('-0.46 mm');
    const t2s = { ...hd, quantity: 't2star' as const, measured: -4.2, limit: 10, unit: '%', comparison: 'within' as const, margin: 5.8 };
    expect(checkMeasured(t2s)).toBe('-4.2 %');
    expect(checkLimit(t2s)).toBe('±10.0 %');
    expect(checkMargin(t2s)).toBe('+5.8 %');
  });

  it('the panel heads the result and carries the sentence and the table', () => {
    render(<VerdictPanel verdict={outsideVerdict()} />);
    expect(screen.getByTestId('verdict-result')).toHaveTextContent('✗ outside');
    expect(screen.getByTestId('verdict-message')).toHaveTextContent(T1_MESSAGE);
    expect(screen.getByTestId('verdict-checks')).toBeInTheDocument();
  });
});
