/**
 * Pure conversions between MyoQA contour coordinates and cornerstone3D's image coordinates, and the polygons the
 * viewer uploads. MyoQA (the analysis core, SAV files, the API): x = column, y = row, integers at pixel centres.
 * cornerstone3D (`utilities.worldToImageCoords` / `imageToWorldCoords`): integers at pixel corners, so the centre
 * of pixel (0, 0) is (0.5, 0.5). Kept apart from the rendering code so that Vitest can check it without WebGL.
 */
import type { ContourPair, Point } from '@/lib/vocabulary';
import type { Transform } from './geometry';

/** MyoQA contour point → cornerstone image coordinates. */
export function toCornerstoneImage(p: Point): Point {
  return [p[0] + 0.5, p[1] + 0.5];
}

/** cornerstone image coordinates → MyoQA contour point. */
export function fromCornerstoneImage(p: ArrayLike<number>): Point {
  return [p[0] - 0.5, p[1] - 0.5];
}

/**
 * The canvas transform of the overlay drawing code (`draw.ts`: canvas = o + (p + 0.5) · s) from where three MyoQA
 * image points land on the canvas: the top-left pixel corner (−0.5, −0.5), (0.5, −0.5) and (−0.5, 0.5). The stack
 * viewport shows the image unrotated (rows down, columns right), so the mapping is an axis-aligned scale and shift.
 */
export function transformFromCanvasPoints(corner: ArrayLike<number>, oneColumn: ArrayLike<number>, oneRow: ArrayLike<number>): Transform {
  return { ox: corner[0], oy: corner[1], sx: oneColumn[0] - corner[0], sy: oneRow[1] - corner[1] };
}

const ROUND = 1000;

/**
 * A drawn closed polyline (MyoQA coordinates) as an upload polygon: rounded to 1/1000 pixel, consecutive repeats and
 * the closing point dropped; null when fewer than 3 distinct points remain.
 */
export function polygonFromPolyline(points: readonly Point[]): Point[] | null {
  const out: Point[] = [];
  for (const p of points) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
    const q: Point = [Math.round(p[0] * ROUND) / ROUND, Math.round(p[1] * ROUND) / ROUND];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  return out.length >= 3 ? out : null;
}

/** Shoelace area (pixels²), positive when counter-clockwise on screen (y down). */
export function polygonArea(points: readonly Point[]): number {
  let a = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    a += x0 * y1 - x1 * y0;
  }
  return a / 2;
}

/** What is still missing before the pair can be submitted, in the trainee's words; null when both walls are drawn. */
export function missingWalls(c: ContourPair): string | null {
  const missing = [!c.endocardium ? 'endocardium' : null, !c.epicardium ? 'epicardium' : null].filter(Boolean);
  if (missing.length === 0) return null;
  return `Draw the ${missing.join(' and the ')} as a closed contour first.`;
}

/** Which structure the keyboard switches to: E endocardium, P epicardium (case-insensitive); null for other keys. */
export function structureForKey(key: string): 'endocardium' | 'epicardium' | null {
  const k = key.toLowerCase();
  if (k === 'e') return 'endocardium';
  if (k === 'p') return 'epicardium';
  return null;
}

export type WindowPreset = { label: string; level: number; width: number };

/** Window presets (ms) for parametric maps; magnitude images use the automatic window only. */
export function windowPresets(kind: string): WindowPreset[] {
  if (kind === 't1_map') {
    return [
      { label: 'Native T1 (myocardium)', level: 1100, width: 1200 },
      { label: 'Post-contrast T1', level: 450, width: 700 },
      { label: 'Full T1 range', level: 1500, width: 3000 },
    ];
  }
  if (kind === 't2_map') {
    return [
      { label: 'T2 (myocardium)', level: 50, width: 60 },
      { label: 'Full T2 range', level: 100, width: 200 },
    ];
  }
  return [];
}

/** The colour map of T1 and T2 maps: [position 0..1, r, g, b] (0..1), a perceptually ordered blue–green–yellow–red
 * ramp; the viewer registers it with cornerstone and draws the colour bar from the same stops. */
export const MAP_STOPS: readonly [number, number, number, number][] = [
  [0, 0.0, 0.0, 0.5],
  [0.15, 0.0, 0.2, 1.0],
  [0.35, 0.0, 0.8, 1.0],
  [0.5, 0.3, 1.0, 0.5],
  [0.65, 1.0, 1.0, 0.0],
  [0.85, 1.0, 0.35, 0.0],
  [1, 0.6, 0.0, 0.0],
];

/** The colour stops as a CSS linear gradient (bottom = low values when `direction` is 'to top'). */
export function gradientCss(direction = 'to top'): string {
  const stops = MAP_STOPS.map(([p, r, g, b]) => `rgb(${Math.round(r * 255)} ${Math.round(g * 255)} ${Math.round(b * 255)}) ${Math.round(p * 100)}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** Tick values for a colour bar over [lower, upper]: about `n` round numbers (1, 2 or 5 × 10^k apart). */
export function colourBarTicks(lower: number, upper: number, n = 5): number[] {
  if (!(upper > lower)) return [lower];
  const raw = (upper - lower) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lower / step) * step; v <= upper + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}
