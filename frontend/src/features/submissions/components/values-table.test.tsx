import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { assessment, submission } from '@/testing/fixtures';
import { ValuesTable } from './values-table';

describe('ValuesTable', () => {
  it('shows trainee, consensus and delta with units, and marks map and wall thickness tolerances', () => {
    const s = submission({ tolerance: { dice: 0.85, map_ms: 8.4, wall_thickness_mm: 1.5, within: { dice: null, map: null, wall_thickness: null, all: null } } });
    render(<ValuesTable result={s.result!} tolerance={s.tolerance} />);
    expect(screen.getByText(/Myocardial T1 mean/)).toBeInTheDocument();
    expect(screen.getByTestId('value-map-mean-trainee')).toHaveTextContent('1040.2');
    expect(screen.getByTestId('value-map-mean-consensus')).toHaveTextContent('1035.0');
    expect(screen.getByTestId('value-map-mean-delta')).toHaveTextContent('+5.2');
    expect(screen.getByTestId('value-map-mean-mark')).toHaveTextContent('✓ within'); // |5.2| <= 8.4 ms
    expect(screen.getByTestId('value-wt-mean-delta')).toHaveTextContent('+1.39');
    expect(screen.getByTestId('value-wt-mean-mark')).toHaveTextContent('✓ within'); // |1.39| <= 1.5 mm
    expect(screen.getByText('Wall thickness, sector 4')).toBeInTheDocument();
    expect(screen.getByTestId('value-area-trainee')).toHaveTextContent('1754');
  });

  it('marks a wall thickness difference outside the tolerance', () => {
    const s = submission({ tolerance: { dice: 0.85, map_ms: 8.4, wall_thickness_mm: 1.0, within: { dice: null, map: null, wall_thickness: null, all: null } } });
    render(<ValuesTable result={s.result!} tolerance={s.tolerance} />);
    expect(screen.getByTestId('value-wt-mean-mark')).toHaveTextContent('✗ outside');
  });

  it('shows T2* with R2* and the iron-overload grade', () => {
    const r = assessment();
    r.trainee.map = { quantity: 't2star_ms', mean: 12.5, sd: 2, median: 12, iqr: 3, n_pixels: 300, r2star_per_s: 80, iron: { grade: 'moderate', field_strength_t: 1.5, reason: null } };
    r.trainee.iron_grade = 'moderate';
    r.reference!.map = { quantity: 't2star_ms', mean: 14, sd: 2, median: 14, iqr: 3, n_pixels: 280, r2star_per_s: 71.4, iron: { grade: 'moderate', field_strength_t: 1.5, reason: null } };
    r.reference!.iron_grade = 'moderate';
    r.delta = { ...r.delta!, map_mean: -1.5, map_quantity: 't2star_ms' };
    render(<ValuesTable result={r} tolerance={null} />);
    expect(screen.getByText(/Myocardial T2\* mean/)).toBeInTheDocument();
    expect(screen.getByTestId('value-r2star-trainee')).toHaveTextContent('80.0');
    expect(screen.getAllByText('Moderate iron overload')).toHaveLength(2);
  });

  it('shows a magnitude image signal in a.u. without a tolerance mark', () => {
    const r = assessment();
    r.trainee.map = { quantity: 'signal', mean: 106.6, sd: 83.4, median: 83, iqr: 50, n_pixels: 999 };
    r.reference!.map = { quantity: 'signal', mean: 91.4, sd: 52.6, median: 83, iqr: 40, n_pixels: 669 };
    r.delta = { ...r.delta!, map_mean: 15.2, map_quantity: 'signal' };
    const tol = { dice: 0.85, map_ms: 8.4, wall_thickness_mm: 1.5, within: { dice: null, map: null, wall_thickness: null, all: null } };
    render(<ValuesTable result={r} tolerance={tol} />);
    expect(screen.getByTestId('value-map-mean-trainee')).toHaveTextContent('106.6');
    expect(screen.getByTestId('value-row-map-mean')).toHaveTextContent('a.u.');
    expect(screen.getByTestId('value-row-map-mean')).not.toHaveTextContent('ms');
    expect(screen.queryByTestId('value-map-mean-mark')).toBeNull();
  });

  it('shows only the trainee column without a consensus', () => {
    const r = assessment();
    r.reference = null;
    r.delta = null;
    r.agreement = null;
    render(<ValuesTable result={r} tolerance={null} />);
    expect(screen.getByText(/no consensus for this image/i)).toBeInTheDocument();
    expect(screen.queryByText('Consensus')).not.toBeInTheDocument();
    expect(screen.getByTestId('value-wt-mean-trainee')).toHaveTextContent('9.33');
  });
});
