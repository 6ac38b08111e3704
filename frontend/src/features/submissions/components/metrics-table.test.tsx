import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { assessment } from '@/testing/fixtures';
import { MetricsTable } from './metrics-table';

describe('MetricsTable', () => {
  it('shows Dice with 3 decimals and distances with 2, units in a separate element', () => {
    render(<MetricsTable agreement={assessment().agreement!} toleranceDice={0.85} />);
    expect(screen.getByTestId('metric-myocardium-dice')).toHaveTextContent(/^0\.899$/);
    expect(screen.getByTestId('metric-endocardium-dice')).toHaveTextContent(/^0\.993$/);
    expect(screen.getByTestId('metric-epicardium-dice')).toHaveTextContent(/^0\.800$/);
    expect(screen.getByTestId('metric-endocardium-hausdorff')).toHaveTextContent(/^0\.31$/);
    expect(screen.getByTestId('metric-epicardium-hausdorff')).toHaveTextContent(/^3\.33$/);
    const cell = screen.getByTestId('metric-epicardium-hausdorff').closest('td')!;
    expect(within(cell).getByText('mm')).toBeInTheDocument();
    expect(screen.getByTestId('metric-myocardium-sensitivity')).toHaveTextContent('0.989');
    expect(screen.getByTestId('metric-myocardium-npv')).toHaveTextContent('1.000');
  });

  it('marks Dice within and outside the tolerance with a symbol and words', () => {
    render(<MetricsTable agreement={assessment().agreement!} toleranceDice={0.85} />);
    const ok = screen.getByTestId('metric-myocardium-dice-mark');
    expect(ok).toHaveTextContent('✓ within');
    expect(ok).toHaveClass('mark-ok');
    const bad = screen.getByTestId('metric-epicardium-dice-mark');
    expect(bad).toHaveTextContent('✗ outside');
    expect(bad).toHaveClass('mark-bad');
    expect(screen.getByTestId('metric-endocardium-dice-mark')).toHaveAttribute('data-within', 'yes');
  });

  it('shows a dash, not a made-up number, for an undefined value', () => {
    const a = assessment().agreement!;
    a.endocardium = { ...a.endocardium!, dice: null, hausdorff_mm: null };
    render(<MetricsTable agreement={a} toleranceDice={0.85} />);
    expect(screen.getByTestId('metric-endocardium-dice')).toHaveTextContent('—');
    expect(screen.getByTestId('metric-endocardium-hausdorff')).toHaveTextContent('—');
    expect(screen.getByTestId('metric-endocardium-dice-mark')).toHaveAttribute('data-within', 'unknown');
    // the myocardium has no Hausdorff distance in the payload
    expect(screen.getByTestId('metric-myocardium-hausdorff')).toHaveTextContent('—');
  });
});
