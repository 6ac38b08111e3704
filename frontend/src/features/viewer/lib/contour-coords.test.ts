import { describe, expect, it } from 'vitest';
import {
  colourBarTicks, fromCornerstoneImage, missingWalls, polygonArea, polygonFromPolyline, structureForKey,
  toCornerstoneImage, transformFromCanvasPoints,
} from './contour-coords';
import { toScreen } from './geometry';

describe('MyoQA <-> cornerstone image coordinates', () => {
  it('puts the centre of pixel (0, 0) at (0.5, 0.5) and back', () => {
    expect(toCornerstoneImage([0, 0])).toEqual([0.5, 0.5]);
    expect(fromCornerstoneImage(toCornerstoneImage([12.25, 7.5]))).toEqual([12.25, 7.5]);
  });

  it('builds the overlay transform from three canvas points (hand-computed: 3 px per pixel, offset 10, 20)', () => {
    // canvas = (10, 20) + (p + 0.5) * 3: pixel corner (-0.5, -0.5) -> (10, 20), (0.5, -0.5) -> (13, 20), (-0.5, 0.5) -> (10, 23)
    const t = transformFromCanvasPoints([10, 20], [13, 20], [10, 23]);
    expect(t).toEqual({ ox: 10, oy: 20, sx: 3, sy: 3 });
    expect(toScreen(0, 0, t)).toEqual([11.5, 21.5]);
    expect(toScreen(4, 2, t)).toEqual([23.5, 27.5]);
  });
});

describe('polygonFromPolyline', () => {
  it('drops repeats and the closing point, rounds to 1/1000 pixel', () => {
    expect(polygonFromPolyline([[0, 0], [0, 0], [1.00049, 0], [1, 1], [0, 0]])).toEqual([[0, 0], [1, 0], [1, 1]]);
  });

  it('refuses fewer than 3 distinct points and skips non-finite ones', () => {
    expect(polygonFromPolyline([[0, 0], [1, 1], [0, 0]])).toBeNull();
    expect(polygonFromPolyline([[0, 0], [Number.NaN, 1], [2, 0], [2, 2]])).toEqual([[0, 0], [2, 0], [2, 2]]);
  });

  it('keeps the area of a drawn square (shoelace, hand count 4 px²)', () => {
    const sq = polygonFromPolyline([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]);
    expect(Math.abs(polygonArea(sq ?? []))).toBe(4);
  });
});

describe('editor helpers', () => {
  it('maps E and P to the walls', () => {
    expect(structureForKey('e')).toBe('endocardium');
    expect(structureForKey('P')).toBe('epicardium');
    expect(structureForKey('x')).toBeNull();
  });

  it('says which wall is missing', () => {
    expect(missingWalls({ endocardium: null, epicardium: [[0, 0], [1, 0], [1, 1]] })).toBe('Draw the endocardium as a closed contour first.');
    expect(missingWalls({ endocardium: null, epicardium: null })).toBe('Draw the endocardium and the epicardium as a closed contour first.');
    expect(missingWalls({ endocardium: [[0, 0], [1, 0], [1, 1]], epicardium: [[0, 0], [2, 0], [2, 2]] })).toBeNull();
  });

  it('puts colour bar ticks on round numbers inside the window', () => {
    // (1700 - 500) / 5 = 240 -> the next of 100, 200, 500 is 500; 60 / 5 = 12 -> 20
    expect(colourBarTicks(500, 1700)).toEqual([500, 1000, 1500]);
    expect(colourBarTicks(20, 80)).toEqual([20, 40, 60, 80]);
  });
});
