import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { summary } from '@/testing/fixtures';
import { Bullseye, divergingColour, DISTANCE_RANGE_MM, mapRange, MISSING_FILL, segmentSpan } from './bullseye';

const NAMES = ['anterior', 'anteroseptal', 'inferoseptal', 'inferior', 'inferolateral', 'anterolateral'];

/** Six stored segments as backend/cmr/error_classes.py writes them (AHA order, anterior first). */
function segments() {
  return [
    // myocardium_excess_mm is deliberately not epicardium minus endocardium here: the component must show it as stored.
    { name: 'anterior', signed_distance_mm: 0, myocardium_excess_mm: 1.2, endocardium_mm: 0.4, epicardium_mm: 2.3, delta_map: -12.5 },
    { name: 'anteroseptal', signed_distance_mm: 0, myocardium_excess_mm: -0.8, endocardium_mm: -1.4, epicardium_mm: 0.9, delta_map: 4.2 },
    { name: 'inferoseptal', signed_distance_mm: 0, myocardium_excess_mm: -2.6, endocardium_mm: -3.1, epicardium_mm: -2.0, delta_map: 31.0 },
    { name: 'inferior', signed_distance_mm: 0, myocardium_excess_mm: 0.05, endocardium_mm: 0.2, epicardium_mm: -0.1, delta_map: null },
    { name: 'inferolateral', signed_distance_mm: 0, myocardium_excess_mm: 4.4, endocardium_mm: 3.9, epicardium_mm: 4.8, delta_map: -2.0 },
    { name: 'anterolateral', signed_distance_mm: 0, myocardium_excess_mm: null, endocardium_mm: null, epicardium_mm: null, delta_map: 0.6 },
  ];
}

function rgb(c: string): number[] {
  return (c.match(/\d+/g) ?? []).map(Number);
}

describe('the diverging colour scale', () => {
  it('is blue for a contour inside the consensus, red outside, near white at zero, grey when missing', () => {
    const [r1, , b1] = rgb(divergingColour(-1.5, 3));
    expect(b1).toBeGreaterThan(r1);
    const [r2, , b2] = rgb(divergingColour(1.5, 3));
    expect(r2).toBeGreaterThan(b2);
    expect(divergingColour(0, 3)).toBe('rgb(247, 247, 247)');
    expect(divergingColour(null, 3)).toBe(MISSING_FILL);
    // Beyond the range it saturates rather than wraps.
    expect(divergingColour(9, 3)).toBe(divergingColour(3, 3));
  });
});

describe('the map colour range', () => {
  it('is symmetric, at least 5, and the largest stored |Δ| rounded up to a round number', () => {
    const seg = (d: number | null) => ({ name: 'x', signed_distance_mm: 0, myocardium_excess_mm: 0, endocardium_mm: 0, epicardium_mm: 0, delta_map: d });
    expect(mapRange([seg(2), seg(-3)])).toBe(5);
    expect(mapRange([seg(-13), seg(null)])).toBe(15);
    expect(mapRange([seg(105.2)])).toBe(150);
  });
});

describe('segment layout', () => {
  it('puts segment 1 on 12 o’clock and the next counter-clockwise, 60° each, as backend/cmr/segments.py does', () => {
    expect(segmentSpan(0)).toEqual({ from: 60, to: 120, centre: 90 });
    expect(segmentSpan(1)).toEqual({ from: 120, to: 180, centre: 150 });
    expect(segmentSpan(5)).toEqual({ from: 360, to: 420, centre: 390 });
  });
});

describe('the bullseye', () => {
  it('colours each segment by the sign of its stored extra (+) or missed (-) myocardium', () => {
    render(<Bullseye summary={summary({ segments: segments() })} />);
    const fill = (i: number) => rgb(screen.getByTestId(`bullseye-fill-${i}`).getAttribute('fill') ?? '');
    // anterior +1.2 (extra: red), anteroseptal -0.8 and inferoseptal -2.6 (missed: blue), inferolateral +4.4 (red)
    for (const i of [0, 4]) expect(fill(i)[0]).toBeGreaterThan(fill(i)[2]);
    for (const i of [1, 2]) expect(fill(i)[2]).toBeGreaterThan(fill(i)[0]);
    expect(screen.getByTestId('bullseye-fill-4').getAttribute('fill')).toBe(divergingColour(DISTANCE_RANGE_MM, 3));
    expect(screen.getByTestId('bullseye-fill-5').getAttribute('fill')).toBe(MISSING_FILL);
  });

  it('names each segment in the stored order and shows its stored number', () => {
    render(<Bullseye summary={summary({ segments: segments() })} />);
    NAMES.forEach((n, i) => expect(screen.getByTestId(`bullseye-name-${i}`)).toHaveTextContent(n));
    expect(screen.getByTestId('bullseye-value-0')).toHaveTextContent('+1.2');
    expect(screen.getByTestId('bullseye-value-2')).toHaveTextContent('-2.6');
    expect(screen.getByTestId('bullseye-value-5')).toHaveTextContent('—');
    expect(screen.getByTestId('bullseye-segment-0')).toHaveAttribute('data-value', '1.2');
    expect(screen.getByTestId('bullseye-legend')).toHaveTextContent('Red: your myocardium extends further than the consensus’s');
    expect(screen.getByTestId('bullseye-legend')).toHaveTextContent('blue: consensus myocardium missed');
  });

  it('gives every segment a title with its numbers, and a table of the six for screen readers', () => {
    render(<Bullseye summary={summary({ segments: segments() })} />);
    const title = screen.getByTestId('bullseye-fill-0').querySelector('title');
    expect(title).toHaveTextContent('anterior: myocardium +1.2 mm (endocardium +0.4 mm, epicardium +2.3 mm); ΔT1 -12.5 ms');
    const row = within(screen.getByTestId('bullseye-row-2'));
    expect(row.getByRole('rowheader')).toHaveTextContent('inferoseptal');
    expect(row.getAllByRole('cell').map((c) => c.textContent)).toEqual(['-2.6', '-3.1', '-2.0', '+31.0']);
    expect(within(screen.getByTestId('bullseye-row-3')).getAllByRole('cell')[3]).toHaveTextContent('—');
  });

  it('shows each value as stored and never recomputes one (not epicardium minus endocardium)', () => {
    render(<Bullseye summary={summary({ segments: segments() })} />);
    // anterior: endocardium 0.4, epicardium 2.3 (difference 1.9) but the stored value is 1.2.
    expect(within(screen.getByTestId('bullseye-row-0')).getAllByRole('cell')[0]).toHaveTextContent('+1.2');
    expect(screen.queryByText('+1.9')).toBeNull();
    // inferior: a stored +0.05 is shown, rounded for display, with its sign; not dropped as zero.
    expect(screen.getByTestId('bullseye-segment-3')).toHaveAttribute('data-value', '0.05');
  });

  it('switches to the stored map difference per segment, with its quantity and unit', async () => {
    render(<Bullseye summary={summary({ segments: segments() })} />);
    await userEvent.click(screen.getByTestId('bullseye-view-map'));
    expect(screen.getByTestId('bullseye-svg')).toHaveAttribute('data-view', 'map');
    expect(screen.getByTestId('bullseye-value-2')).toHaveTextContent('+31.0');
    expect(screen.getByTestId('bullseye-value-3')).toHaveTextContent('—');
    const fill = (i: number) => rgb(screen.getByTestId(`bullseye-fill-${i}`).getAttribute('fill') ?? '');
    expect(fill(0)[2]).toBeGreaterThan(fill(0)[0]); // ΔT1 -12.5: the trainee's T1 lower, blue
    expect(fill(2)[0]).toBeGreaterThan(fill(2)[2]); // +31: higher, red
    expect(screen.getByTestId('bullseye-legend')).toHaveTextContent('Blue: your T1 lower than the consensus’s');
    expect(screen.getByTestId('bullseye-view-map').closest('label')).toHaveTextContent('ΔT1 (ms)');
  });

  it('says the sectors are numbered when no RV insertion point names them', () => {
    const numbered = segments().map((s, i) => ({ ...s, name: `sector ${i + 1}` }));
    render(<Bullseye summary={summary({ segments: numbered })} />);
    expect(screen.getByTestId('bullseye-name-0')).toHaveTextContent('sector 1');
    expect(screen.getByTestId('bullseye')).toHaveTextContent('sector 1 at 12 o’clock');
    expect(screen.getByTestId('bullseye')).toHaveTextContent('the sectors are numbered, not named');
  });

  it('offers no map view when no segment has a map difference', () => {
    const noMap = segments().map((s) => ({ ...s, delta_map: null }));
    render(<Bullseye summary={summary({ segments: noMap, map_quantity: null, map_unit: null })} />);
    expect(screen.queryByTestId('bullseye-view-map')).toBeNull();
    expect(screen.getByTestId('bullseye-svg')).toHaveAttribute('data-view', 'distance');
  });

  it('is not drawn unless there are six segments', () => {
    const { container } = render(<Bullseye summary={summary({ segments: segments().slice(0, 5) })} />);
    expect(container).toBeEmptyDOMElement();
    render(<Bullseye summary={summary({ segments: [] })} />);
    expect(screen.queryByTestId('bullseye')).toBeNull();
  });
});
