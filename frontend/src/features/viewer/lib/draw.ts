import type { ContourPair, Point } from '@/lib/vocabulary';
import { toScreen, type Transform } from './geometry';

/** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. */
export const COLOURS = {
  trainee: '#F0E442', // yellow, solid
  consensus: '#56B4E9', // sky blue, dashed
  over: '#D55E00', // vermillion: trainee myocardium that is not consensus myocardium
  missed: '#009E73', // bluish green: consensus myocardium the trainee missed
} as const;

type Ctx = CanvasRenderingContext2D;

function addClosed(ctx: Ctx, pts: Point[] | null | undefined, t: Transform): boolean {
  if (!pts || pts.length < 3) return false;
  const [x0, y0] = toScreen(pts[0][0], pts[0][1], t);
  ctx.moveTo(x0, y0);
  for (let i = 1; i < pts.length; i += 1) {
    const [x, y] = toScreen(pts[i][0], pts[i][1], t);
    ctx.lineTo(x, y);
  }
  ctx.closePath();
  return true;
}

/** The myocardium as one path: epicardium and endocardium sub-paths, to be filled with the even-odd rule. */
export function ringPath(ctx: Ctx, c: ContourPair | null | undefined, t: Transform): boolean {
  ctx.beginPath();
  if (!c || !addClosed(ctx, c.epicardium, t)) return false;
  addClosed(ctx, c.endocardium, t);
  return true;
}

export function strokeContours(ctx: Ctx, c: ContourPair | null | undefined, t: Transform, colour: string, dashed: boolean) {
  if (!c) return;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.75;
  ctx.lineJoin = 'round';
  ctx.setLineDash(dashed ? [6, 4] : []);
  for (const pts of [c.endocardium, c.epicardium]) {
    ctx.beginPath();
    if (addClosed(ctx, pts, t)) ctx.stroke();
  }
  ctx.restore();
}

/**
 * Fills, on `scratch`, ring A minus ring B in `colour` (canvas compositing: fill A even-odd, then punch out B with
 * destination-out), and draws the result onto `ctx` half-transparent.
 */
export function drawDifference(ctx: Ctx, scratch: HTMLCanvasElement, a: ContourPair | null | undefined,
  b: ContourPair | null | undefined, t: Transform, colour: string, dpr: number, alpha = 0.55) {
  const width = ctx.canvas.width;
  const height = ctx.canvas.height;
  if (scratch.width !== width) scratch.width = width;
  if (scratch.height !== height) scratch.height = height;
  const s = scratch.getContext('2d');
  if (!s) return;
  s.setTransform(1, 0, 0, 1, 0, 0);
  s.globalCompositeOperation = 'source-over';
  s.clearRect(0, 0, width, height);
  s.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!ringPath(s, a, t)) return;
  s.fillStyle = colour;
  s.fill('evenodd');
  if (ringPath(s, b, t)) {
    s.globalCompositeOperation = 'destination-out';
    s.fillStyle = '#000';
    s.fill('evenodd');
    s.globalCompositeOperation = 'source-over';
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = alpha;
  ctx.drawImage(scratch, 0, 0);
  ctx.restore();
}
