/**
 * Image ↔ screen mapping of the viewer. The image is drawn with its physical aspect ratio: one pixel is dx mm wide
 * and dy mm tall. Pixel (i, j) (column i, row j) covers [i, i+1] × [j, j+1] in image space, so a contour point
 * (x, y) with integers at pixel centres sits at (x + 0.5, y + 0.5).
 */

export type ViewState = { zoom: number; panX: number; panY: number };
export type Transform = { sx: number; sy: number; ox: number; oy: number };
export type ImageGeometry = { rows: number; columns: number; dy: number; dx: number };

export const INITIAL_VIEW: ViewState = { zoom: 1, panX: 0, panY: 0 };
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 16;

/** Screen pixels per mm so that the whole image fits the canvas. */
export function fitScale(canvasW: number, canvasH: number, g: ImageGeometry): number {
  return Math.min(canvasW / (g.columns * g.dx), canvasH / (g.rows * g.dy));
}

export function viewTransform(canvasW: number, canvasH: number, g: ImageGeometry, v: ViewState): Transform {
  const s = fitScale(canvasW, canvasH, g) * v.zoom;
  const sx = s * g.dx;
  const sy = s * g.dy;
  return { sx, sy, ox: (canvasW - g.columns * sx) / 2 + v.panX, oy: (canvasH - g.rows * sy) / 2 + v.panY };
}

/** Contour point (x = column, y = row, integer at pixel centres) → canvas coordinates. */
export function toScreen(x: number, y: number, t: Transform): [number, number] {
  return [t.ox + (x + 0.5) * t.sx, t.oy + (y + 0.5) * t.sy];
}

/** Canvas coordinates → the pixel under them (column, row), or null outside the image. */
export function pixelAt(px: number, py: number, t: Transform, g: ImageGeometry): { column: number; row: number } | null {
  const column = Math.floor((px - t.ox) / t.sx);
  const row = Math.floor((py - t.oy) / t.sy);
  if (column < 0 || row < 0 || column >= g.columns || row >= g.rows) return null;
  return { column, row };
}

/** Canvas coordinates → the image point under them in contour coordinates (x = column, y = row, integers at pixel
 * centres, sub-pixel), or null outside the image; the inverse of {@link toScreen}. */
export function pointAt(px: number, py: number, t: Transform, g: ImageGeometry): { x: number; y: number } | null {
  const x = (px - t.ox) / t.sx - 0.5;
  const y = (py - t.oy) / t.sy - 0.5;
  if (x < 0 || y < 0 || x > g.columns - 1 || y > g.rows - 1) return null;
  return { x, y };
}

/** Zoom by `factor` keeping the image point under (px, py) where it is. */
export function zoomAt(v: ViewState, factor: number, px: number, py: number, canvasW: number, canvasH: number, g: ImageGeometry): ViewState {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * factor));
  if (zoom === v.zoom) return v;
  const t = viewTransform(canvasW, canvasH, g, v);
  const u = (px - t.ox) / t.sx;
  const w = (py - t.oy) / t.sy;
  const t2 = viewTransform(canvasW, canvasH, g, { zoom, panX: 0, panY: 0 });
  return { zoom, panX: px - u * t2.sx - t2.ox, panY: py - w * t2.sy - t2.oy };
}
