import { useId, useState } from 'react';
import { fmtSigned, isNum } from '@/lib/format';
import { QUANTITY_LABEL } from '@/lib/vocabulary';
import type { EvaluationSummary } from '../api/get-submission';

type Segment = EvaluationSummary['segments'][number];

/**
 * Where segment `index` (0..5, in the stored order) lies on the ring, as displayed: backend/cmr/segments.py puts
 * sector 1 (anterior) on display angles [60°, 120°) — centred on 12 o'clock — and the next ones counter-clockwise,
 * 60° each. Angles are counter-clockwise from 3 o'clock on the screen (y down).
 */
export function segmentSpan(index: number): { from: number; to: number; centre: number } {
  const from = 60 + 60 * index;
  return { from, to: from + 60, centre: from + 30 };
}

/** The distance scale's half range: ±3 mm saturates the colours (a larger value is drawn at full strength). */
export const DISTANCE_RANGE_MM = 3;

const NEUTRAL = [247, 247, 247];
const BLUE = [33, 102, 172]; // inside / lower
const RED = [178, 24, 43]; // outside / higher
export const MISSING_FILL = '#d5d9dc';

/**
 * A diverging colour: blue for negative values (the trainee's contour inside the consensus, or a lower map value),
 * red for positive, near white at zero; clamped at ±range. A missing value is grey.
 */
export function divergingColour(value: number | null | undefined, range: number): string {
  if (!isNum(value) || !(range > 0)) return MISSING_FILL;
  const t = Math.max(-1, Math.min(1, value / range));
  const end = t < 0 ? BLUE : RED;
  const a = Math.abs(t);
  const c = NEUTRAL.map((n, i) => Math.round(n + (end[i] - n) * a));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Dark text on pale fills, white on strong ones. */
function textColour(value: number | null | undefined, range: number): string {
  return isNum(value) && Math.abs(value) / range > 0.6 ? '#ffffff' : '#1f2a30';
}

/** A "nice" symmetric range for the map difference: the largest |Δ| rounded up to 1, 1.5, 2, 3 or 5 × 10^k (≥ 5). */
export function mapRange(segments: Segment[]): number {
  const m = Math.max(0, ...segments.map((s) => (isNum(s.delta_map) ? Math.abs(s.delta_map) : 0)));
  if (m <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(m));
  return ([1, 1.5, 2, 3, 5, 10].find((f) => f * p >= m) ?? 10) * p;
}

const R_OUT = 78;
const R_IN = 36;
const R_LABEL = 90;

function polar(r: number, deg: number): [number, number] {
  const a = (deg * Math.PI) / 180;
  return [r * Math.cos(a), -r * Math.sin(a)];
}

/** An annular sector between display angles `from` and `to` (degrees, counter-clockwise). */
function sectorPath(from: number, to: number): string {
  const [x1, y1] = polar(R_OUT, from);
  const [x2, y2] = polar(R_OUT, to);
  const [x3, y3] = polar(R_IN, to);
  const [x4, y4] = polar(R_IN, from);
  const f = (v: number) => v.toFixed(2);
  // Counter-clockwise on the screen is sweep-flag 0 (SVG's y points down).
  return `M${f(x1)},${f(y1)} A${R_OUT},${R_OUT} 0 0 0 ${f(x2)},${f(y2)} L${f(x3)},${f(y3)} `
    + `A${R_IN},${R_IN} 0 0 1 ${f(x4)},${f(y4)} Z`;
}

type View = 'distance' | 'map';

/** The stored numbers of one segment, in words (the segment's tooltip and accessible name). */
function segmentTitle(s: Segment, quantity: string, unit: string): string {
  return `${s.name}: myocardium ${fmtSigned(s.myocardium_excess_mm, 1)} mm (endocardium ${fmtSigned(s.endocardium_mm, 1)} mm, `
    + `epicardium ${fmtSigned(s.epicardium_mm, 1)} mm); Δ${quantity} ${fmtSigned(s.delta_map, 1)} ${unit}`;
}

function Legend({ view, range, unit, quantity }: { view: View; range: number; unit: string; quantity: string }) {
  const gradId = useId();
  const low = view === 'distance' ? 'missed' : 'lower';
  const high = view === 'distance' ? 'extra' : 'higher';
  const r = view === 'distance' ? range.toFixed(0) : String(range);
  return (
    <figure className="bullseye-legend" aria-label={`Colour scale from −${r} to +${r} ${unit}`}>
      <svg viewBox="0 0 220 34" width="100%" role="presentation" aria-hidden="true">
        <defs>
          <linearGradient id={gradId}>
            <stop offset="0%" stopColor={divergingColour(-range, range)} />
            <stop offset="50%" stopColor={divergingColour(0, range)} />
            <stop offset="100%" stopColor={divergingColour(range, range)} />
          </linearGradient>
        </defs>
        <rect x="10" y="2" width="200" height="10" fill={`url(#${gradId})`} stroke="#9aa4aa" strokeWidth="0.5" />
        <text x="10" y="24" fontSize="9" textAnchor="start">−{r}</text>
        <text x="110" y="24" fontSize="9" textAnchor="middle">0 {unit}</text>
        <text x="210" y="24" fontSize="9" textAnchor="end">+{r}</text>
      </svg>
      <figcaption className="small muted" data-testid="bullseye-legend">
        {view === 'distance'
          ? `Red: your myocardium extends further than the consensus’s (extra tissue: fat outside, trabeculae inside); blue: consensus myocardium ${low} (mm; ±${r} mm and beyond at full colour).`
          : `Blue: your ${quantity} ${low} than the consensus’s in that segment; red: ${high} (${unit}).`}
      </figcaption>
    </figure>
  );
}

/**
 * The bullseye of the discrepancy: the six mid-ventricular segments as stored in the evaluation summary, coloured
 * by the stored extra (+) or missed (−) myocardium (mm; epicardium minus endocardium signed distance, which a thickened
 * or thinned wall cannot cancel) or by the stored map difference.
 * Nothing is recomputed here: each number is the summary's, only formatted (architecture convention 16).
 */
export function Bullseye({ summary }: { summary: EvaluationSummary }) {
  const [view, setView] = useState<View>('distance');
  const name = useId();
  const segments = summary.segments;
  if (segments.length !== 6) return null;
  const quantity = (summary.map_quantity && QUANTITY_LABEL[summary.map_quantity]) || 'map';
  const unit = summary.map_unit ?? 'ms';
  const hasMap = segments.some((s) => isNum(s.delta_map));
  const shown: View = hasMap ? view : 'distance';
  const range = shown === 'distance' ? DISTANCE_RANGE_MM : mapRange(segments);
  const value = (s: Segment) => (shown === 'distance' ? s.myocardium_excess_mm : s.delta_map);
  const valueUnit = shown === 'distance' ? 'mm' : unit;
  const named = segments.some((s) => !s.name.startsWith('sector '));

  return (
    <section className="card bullseye" aria-labelledby="bullseye-heading" data-testid="bullseye">
      <h2 id="bullseye-heading">Where: the bullseye</h2>
      <p className="hint">
        The six mid-ventricular segments as displayed ({named ? 'anterior' : 'sector 1'} at 12 o’clock, then
        counter-clockwise){named ? '' : '; without the RV insertion point the sectors are numbered, not named'}.
      </p>
      {hasMap ? (
        <div className="segmented" role="radiogroup" aria-label="Colour the segments by">
          <label className="check">
            <input type="radio" name={name} checked={shown === 'distance'} onChange={() => setView('distance')}
              data-testid="bullseye-view-distance" />
            Extra / missed myocardium (mm)
          </label>
          <label className="check">
            <input type="radio" name={name} checked={shown === 'map'} onChange={() => setView('map')}
              data-testid="bullseye-view-map" />
            Δ{quantity} ({unit})
          </label>
        </div>
      ) : null}
      <svg className="bullseye-svg" viewBox="-150 -112 300 224" role="img" data-testid="bullseye-svg" data-view={shown}
        aria-label={shown === 'distance'
          ? 'Bullseye of the signed distance of your contours to the consensus per segment, mm'
          : `Bullseye of your myocardial ${quantity} minus the consensus’s per segment, ${unit}`}>
        {segments.map((s, i) => {
          const { from, to, centre } = segmentSpan(i);
          const v = value(s);
          const [vx, vy] = polar((R_IN + R_OUT) / 2, centre);
          const [lx, ly] = polar(R_LABEL, centre);
          const anchor = Math.abs(lx) < 5 ? 'middle' : lx > 0 ? 'start' : 'end';
          return (
            <g key={s.name} data-testid={`bullseye-segment-${i}`} data-name={s.name} data-value={isNum(v) ? v : ''}>
              <path d={sectorPath(from, to)} fill={divergingColour(v, range)} stroke="#ffffff" strokeWidth="1.5"
                data-testid={`bullseye-fill-${i}`}>
                <title>{segmentTitle(s, quantity, unit)}</title>
              </path>
              <text x={vx} y={vy} textAnchor="middle" dominantBaseline="central" fontSize="12" fontWeight="600"
                fill={textColour(v, range)} pointerEvents="none" data-testid={`bullseye-value-${i}`}>
                {fmtSigned(v, 1)}
              </text>
              <text x={lx} y={ly} textAnchor={anchor} dominantBaseline="central" fontSize="11" fill="#1f2a30"
                data-testid={`bullseye-name-${i}`}>
                {s.name}
              </text>
            </g>
          );
        })}
        <text x="0" y="0" textAnchor="middle" dominantBaseline="central" fontSize="10" fill="#5d6a72">{valueUnit}</text>
      </svg>
      <Legend view={shown} range={range} unit={valueUnit} quantity={quantity} />
      <div className="bullseye-table">
        <p className="small muted" id={`${name}-caption`}>
          Per segment, as stored, in mm: Myo = extra (+) or missed (−) myocardium; Endo and Epi = each wall’s
          distance to the consensus (+ = your contour outside it); Δ{quantity} = yours − consensus, {unit}.
        </p>
        <div className="table-scroll">
          <table className="table compact" data-testid="bullseye-table" aria-describedby={`${name}-caption`}>
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col" className="num-col">Myo</th>
                <th scope="col" className="num-col">Endo</th>
                <th scope="col" className="num-col">Epi</th>
                <th scope="col" className="num-col">Δ{quantity}</th>
              </tr>
            </thead>
            <tbody>
              {segments.map((s, i) => (
                <tr key={s.name} data-testid={`bullseye-row-${i}`}>
                  <th scope="row">{s.name}</th>
                  <td className="num-col">{fmtSigned(s.myocardium_excess_mm, 1)}</td>
                  <td className="num-col">{fmtSigned(s.endocardium_mm, 1)}</td>
                  <td className="num-col">{fmtSigned(s.epicardium_mm, 1)}</td>
                  <td className="num-col">{fmtSigned(s.delta_map, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
