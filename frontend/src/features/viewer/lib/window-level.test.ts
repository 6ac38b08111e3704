import { describe, expect, it } from 'vitest';
import { autoWindow, dragWindow, mapToGrey, percentile, renderGrey, sortedFinite } from './window-level';

describe('window/level', () => {
  it('takes percentiles with linear interpolation, like NumPy', () => {
    const sorted = sortedFinite([4, 1, 3, 2, 5]);
    expect(Array.from(sorted)).toEqual([1, 2, 3, 4, 5]);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 50)).toBe(3);
    expect(percentile(sorted, 100)).toBe(5);
    expect(percentile(sorted, 10)).toBeCloseTo(1.4);
  });

  it('sets the automatic window from the 1st to the 99th percentile, ignoring NaN and outliers', () => {
    const data = new Float32Array(101);
    for (let i = 0; i <= 100; i += 1) data[i] = i * 10; // 0..1000, p1 = 10, p99 = 990
    data[50] = Number.NaN; // one undefined pixel
    const sorted = sortedFinite(data);
    const wl = autoWindow(data);
    expect(wl.level - wl.width / 2).toBeCloseTo(percentile(sorted, 1));
    expect(wl.level + wl.width / 2).toBeCloseTo(percentile(sorted, 99));
    const plain = autoWindow(Float32Array.from({ length: 101 }, (_, i) => i * 10));
    expect(plain.level).toBeCloseTo(500);
    expect(plain.width).toBeCloseTo(980);
  });

  it('keeps a usable window for a constant image', () => {
    const wl = autoWindow(new Float32Array([7, 7, 7, 7]));
    expect(wl.width).toBeGreaterThan(0);
    expect(wl.level).toBe(7);
    expect(autoWindow(new Float32Array([Number.NaN])).width).toBeGreaterThan(0);
  });

  it('maps the window linearly to 0..255 and clamps outside it', () => {
    const wl = { level: 1000, width: 200 }; // 900..1100
    expect(mapToGrey(900, wl)).toBe(0);
    expect(mapToGrey(1100, wl)).toBe(255);
    expect(mapToGrey(1000, wl)).toBe(128);
    expect(mapToGrey(850, wl)).toBe(0);
    expect(mapToGrey(5000, wl)).toBe(255);
    expect(mapToGrey(950, wl)).toBe(64);
    expect(mapToGrey(Number.NaN, wl)).toBe(0);
  });

  it('renders opaque grey RGBA that agrees with the mapping', () => {
    const data = new Float32Array([900, 1000, 1100, Number.NaN]);
    const rgba = renderGrey(data, { level: 1000, width: 200 });
    expect(Array.from(rgba)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('widens the window when dragging right and raises the level when dragging down', () => {
    const start = { level: 1000, width: 400 };
    const moved = dragWindow(start, 10, -5, 2);
    expect(moved.width).toBe(420);
    expect(moved.level).toBe(990);
    expect(dragWindow(start, -1000, 0, 2).width).toBeGreaterThan(0);
  });
});
