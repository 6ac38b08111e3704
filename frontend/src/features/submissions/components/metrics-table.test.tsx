import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { summary } from '@/testing/fixtures';
import { MetricsTable } from './metrics-table';

describe('MetricsTable', () => {
  it('shows Dice with 3 decimals and distances with 2, units in a separate element', () => {
    render(<MetricsTable agreement={summary().agreement!} />);
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

  it('judges nothing itself: no within / outside mark next to a Dice (the verdict says which tolerance failed)', () => {
    render(<MetricsTable agreement={summary().agreement!} />);
    expect(screen.queryByText(/within|outside/)).not.toBeInTheDocument();
  });

  it('shows a dash, not a made-up number, for an undefined value', () => {
    const a = summary().agreement!;
    a.endocardium = { ...a.endocardium, dice: null, hausdorff_mm: null };
    render(<MetricsTable agreement={a} />);
    expect(screen.getByTestId('metric-endocardium-dice')).toHaveTextContent('—');
    expect(screen.getByTestId('metric-endocardium-hausdorff')).toHaveTextContent('—');
  });
});
