import { describe, expect, it } from 'vitest';
import { parsePixels } from '../api/get-pixels';
import { pixelAt, pointAt, toScreen, viewTransform, zoomAt } from './geometry';

describe('viewer geometry', () => {
  const g = { rows: 100, columns: 200, dy: 2, dx: 1 }; // 200 mm × 200 mm: square on screen

  it('respects the pixel aspect ratio and centres the image', () => {
    const t = viewTransform(400, 400, g, { zoom: 1, panX: 0, panY: 0 });
    expect(t.sx).toBeCloseTo(2);
    expect(t.sy).toBeCloseTo(4); // a pixel is twice as tall as wide
    expect(t.ox).toBeCloseTo(0);
    expect(t.oy).toBeCloseTo(0);
  });

  it('puts integer contour coordinates at pixel centres (x = column, y = row)', () => {
    const t = viewTransform(400, 400, g, { zoom: 1, panX: 0, panY: 0 });
    expect(toScreen(0, 0, t)).toEqual([1, 2]);
    expect(toScreen(10, 5, t)).toEqual([21, 22]);
    expect(pixelAt(21, 22, t, g)).toEqual({ column: 10, row: 5 });
    expect(pixelAt(-1, 5, t, g)).toBeNull();
  });

  it('zooms around the cursor', () => {
    const v0 = { zoom: 1, panX: 0, panY: 0 };
    const t0 = viewTransform(400, 400, g, v0);
    const v1 = zoomAt(v0, 2, 100, 300, 400, 400, g);
    const t1 = viewTransform(400, 400, g, v1);
    const u0 = [(100 - t0.ox) / t0.sx, (300 - t0.oy) / t0.sy];
    const u1 = [(100 - t1.ox) / t1.sx, (300 - t1.oy) / t1.sy];
    expect(v1.zoom).toBe(2);
    expect(u1[0]).toBeCloseTo(u0[0]);
    expect(u1[1]).toBeCloseTo(u0[1]);
  });

  it('parses little-endian float32 pixels and their headers', () => {
    const buf = new ArrayBuffer(4 * 6);
    const view = new DataView(buf);
    [1, 2, 3, 4, 5, 1234.5].forEach((v, i) => view.setFloat32(i * 4, v, true));
    const img = parsePixels(buf, new Headers({ 'X-Rows': '2', 'X-Columns': '3', 'X-Pixel-Spacing': '1.5,0.75', 'X-Units': 'ms' }));
    expect(img.rows).toBe(2);
    expect(img.columns).toBe(3);
    expect(img.dy).toBe(1.5);
    expect(img.dx).toBe(0.75);
    expect(img.units).toBe('ms');
    expect(Array.from(img.data)).toEqual([1, 2, 3, 4, 5, 1234.5]);
    expect(() => parsePixels(new ArrayBuffer(8), new Headers({ 'X-Rows': '2', 'X-Columns': '3' }))).toThrow(/incomplete/);
  });
});

describe('pointAt', () => {
  it('is the inverse of toScreen, at sub-pixel precision, and null outside the image', () => {
    const g = { rows: 160, columns: 208, dy: 1.4, dx: 1.5 };
    const t = viewTransform(560, 430, g, { zoom: 2, panX: 13, panY: -7 });
    const [sx, sy] = toScreen(80.25, 52.5, t);
    const p = pointAt(sx, sy, t, g);
    expect(p?.x).toBeCloseTo(80.25, 9);
    expect(p?.y).toBeCloseTo(52.5, 9);
    const [ox, oy] = toScreen(-1, 10, t);
    expect(pointAt(ox, oy, t, g)).toBeNull();
  });
});
