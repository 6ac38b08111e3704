import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { checks, summary, verdict } from '@/testing/fixtures';
import { ValuesTable } from './values-table';

describe('ValuesTable', () => {
  it('shows trainee, consensus and delta with units, and the verdict’s pass for the map and wall thickness', () => {
    render(<ValuesTable summary={summary()} />);
    expect(screen.getByText(/Myocardial T1 mean/)).toBeInTheDocument();
    expect(screen.getByTestId('value-map-mean-trainee')).toHaveTextContent('1040.2');
    expect(screen.getByTestId('value-map-mean-consensus')).toHaveTextContent('1035.0');
    expect(screen.getByTestId('value-map-mean-delta')).toHaveTextContent('+5.2');
    expect(screen.getByTestId('value-map-mean-mark')).toHaveTextContent('✓ pass');
    expect(screen.getByTestId('value-wt-mean-delta')).toHaveTextContent('+1.39');
    expect(screen.getByTestId('value-wt-mean-mark')).toHaveTextContent('✓ pass');
    expect(screen.getByText('Wall thickness, inferior')).toBeInTheDocument();
    expect(screen.getByTestId('value-area-trainee')).toHaveTextContent('1754');
  });

  it('shows a failed check as the stored verdict says, not by comparing the numbers itself', () => {
    // The stored check says wall thickness failed: the table shows that, whatever the delta.
    const cs = checks().map((c) => (c.quantity === 'wall_thickness' ? { ...c, passed: false, margin: -0.2 } : c));
    render(<ValuesTable summary={summary({ verdict: verdict(cs) })} />);
    expect(screen.getByTestId('value-wt-mean-mark')).toHaveTextContent('✗ fail');
    expect(screen.getByTestId('value-map-mean-mark')).toHaveTextContent('✓ pass');
  });

  it('shows T2* with R2*, its difference in % and the iron-overload grade', () => {
    const s = summary({ map_quantity: 't2star_ms' });
    const t2 = (mean: number, r2: number) => ({ quantity: 't2star_ms' as const, unit: 'ms' as const, mean, sd: 2, median: mean,
      iqr: 3, n_pixels: 300, r2star_per_s: r2, iron_grade: 'moderate', fit_model: 'offset', n_echoes_used: 8 });
    s.trainee.map = t2(12.5, 80);
    s.consensus!.map = t2(14, 71.4);
    s.delta = { ...s.delta!, map: -1.5, map_percent: -10.7 };
    render(<ValuesTable summary={s} />);
    expect(screen.getByText(/Myocardial T2\* mean/)).toBeInTheDocument();
    expect(screen.getByTestId('value-r2star-trainee')).toHaveTextContent('80.0');
    expect(screen.getByTestId('value-row-map-mean')).toHaveTextContent('-10.7 %');
    expect(screen.getAllByText('Moderate iron overload')).toHaveLength(2);
  });

  it('shows a magnitude image signal in a.u. without a tolerance mark', () => {
    const s = summary({ map_quantity: 'signal', map_unit: 'a.u.' });
    const sig = (mean: number) => ({ quantity: 'signal' as const, unit: 'a.u.' as const, mean, sd: 50, median: 83, iqr: 40,
      n_pixels: 999, r2star_per_s: null, iron_grade: null, fit_model: null, n_echoes_used: null });
    s.trainee.map = sig(106.6);
    s.consensus!.map = sig(91.4);
    s.delta = { ...s.delta!, map: 15.2 };
    s.verdict = verdict(checks().filter((c) => c.quantity !== 't1'));
    render(<ValuesTable summary={s} />);
    expect(screen.getByTestId('value-map-mean-trainee')).toHaveTextContent('106.6');
    expect(screen.getByTestId('value-row-map-mean')).toHaveTextContent('a.u.');
    expect(screen.getByTestId('value-row-map-mean')).not.toHaveTextContent('ms');
    expect(screen.queryByTestId('value-map-mean-mark')).toBeNull();
  });

  it('shows only the trainee column without a consensus', () => {
    render(<ValuesTable summary={summary({ consensus: null, delta: null, agreement: null })} />);
    expect(screen.getByText(/no consensus for this image/i)).toBeInTheDocument();
    expect(screen.queryByText('Consensus')).not.toBeInTheDocument();
    expect(screen.getByTestId('value-wt-mean-trainee')).toHaveTextContent('9.33');
  });
});
