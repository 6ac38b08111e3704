/**
 * Window/level for a float image: the window [level − width/2, level + width/2] maps linearly to grey 0..255,
 * values below to 0 and above to 255. The automatic window spans the 1st to the 99th percentile.
 */

export type WindowLevel = { level: number; width: number };

export const MIN_WIDTH = 1e-6;

/** The finite values, sorted ascending. */
export function sortedFinite(data: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < data.length; i += 1) if (Number.isFinite(data[i])) n += 1;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < data.length; i += 1) {
    const v = data[i];
    if (Number.isFinite(v)) out[j++] = v;
  }
  return out.sort();
}

/** Percentile p (0..100) of sorted values, linear interpolation between order statistics (NumPy's default). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return sorted[0];
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** The automatic window: from the 1st to the 99th percentile of the finite pixel values. */
export function autoWindow(data: ArrayLike<number>, lowPct = 1, highPct = 99): WindowLevel {
  const sorted = sortedFinite(data);
  if (sorted.length === 0) return { level: 0.5, width: 1 };
  let lo = percentile(sorted, lowPct);
  let hi = percentile(sorted, highPct);
  if (!(hi > lo)) {
    // A (nearly) constant image: fall back to the full range, then to a unit window around the value.
    lo = sorted[0];
    hi = sorted[sorted.length - 1];
    if (!(hi > lo)) return { level: lo, width: 1 };
  }
  return { level: (lo + hi) / 2, width: hi - lo };
}

/** The grey value 0..255 of one pixel value; NaN shows black. */
export function mapToGrey(value: number, wl: WindowLevel): number {
  if (!Number.isFinite(value)) return 0;
  const width = Math.max(wl.width, MIN_WIDTH);
  const lo = wl.level - width / 2;
  const g = ((value - lo) / width) * 255;
  if (g <= 0) return 0;
  if (g >= 255) return 255;
  return Math.round(g);
}

/** RGBA bytes (grey, opaque) of a row-major image under a window. */
export function renderGrey(data: ArrayLike<number>, wl: WindowLevel, out?: Uint8ClampedArray): Uint8ClampedArray {
  const rgba = out && out.length === data.length * 4 ? out : new Uint8ClampedArray(data.length * 4);
  const width = Math.max(wl.width, MIN_WIDTH);
  const lo = wl.level - width / 2;
  for (let i = 0, j = 0; i < data.length; i += 1, j += 4) {
    const v = data[i];
    let g = Number.isFinite(v) ? ((v - lo) / width) * 255 : 0;
    g = g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
    rgba[j] = g;
    rgba[j + 1] = g;
    rgba[j + 2] = g;
    rgba[j + 3] = 255;
  }
  return rgba;
}

/**
 * Window/level after a mouse drag of (dxScreen, dyScreen) CSS pixels from `start`: dragging right widens the
 * window, dragging down raises the level (the image darkens), as on most PACS viewers. One pixel of drag moves
 * by `sensitivity` value units (by default 1/256 of the automatic width, so a full drag spans it).
 */
export function dragWindow(start: WindowLevel, dxScreen: number, dyScreen: number, sensitivity: number): WindowLevel {
  return {
    width: Math.max(MIN_WIDTH, start.width + dxScreen * sensitivity),
    level: start.level + dyScreen * sensitivity,
  };
}
