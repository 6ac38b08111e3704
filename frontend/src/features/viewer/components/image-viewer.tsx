import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { ErrorBox, Loading } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import type { ContourPair } from '@/lib/vocabulary';
import { usePixels } from '../api/get-pixels';
import { COLOURS, drawDifference, strokeContours } from '../lib/draw';
import { INITIAL_VIEW, pixelAt, pointAt, toScreen, viewTransform, zoomAt, type ImageGeometry, type ViewState } from '../lib/geometry';
import { autoWindow, dragWindow, renderGrey, type WindowLevel } from '../lib/window-level';

type Props = {
  caseId: number;
  trainee: ContourPair | null;
  /** The consensus contours; null when they may not be shown. */
  reference: ContourPair | null;
  /** Why no consensus contours are drawn (score-only mode, no consensus). */
  referenceNote?: string | null;
  /** A point to mark on the image (contour coordinates: x = column, y = row), e.g. the RV insertion point. */
  marker?: { x: number; y: number; label: string; confirmed: boolean } | null;
  /** When given, a click on the image picks a point (sub-pixel contour coordinates) instead of window/level. */
  onPick?: ((p: { x: number; y: number }) => void) | null;
};

type Drag = { x: number; y: number; mode: 'wl' | 'pan'; wl: WindowLevel; view: ViewState };

function decimalsFor(width: number): number {
  if (width >= 100) return 0;
  if (width >= 10) return 1;
  if (width >= 1) return 2;
  return 4;
}

/**
 * The case image with window/level (drag: horizontal = width, vertical = level), zoom (wheel, +/−) and pan
 * (shift-drag, right- or middle-drag, or the pan mode), drawn with the pixel aspect ratio dy/dx, with the trainee's
 * contours, the consensus contours and the discrepancy between the two myocardia as layers.
 */
export function ImageViewer({ caseId, trainee, reference, referenceNote, marker = null, onPick = null }: Props) {
  const pixels = usePixels(caseId);
  const img = pixels.data;
  const geometry: ImageGeometry | null = useMemo(
    () => (img ? { rows: img.rows, columns: img.columns, dy: img.dy, dx: img.dx } : null), [img]);
  const auto = useMemo(() => (img ? autoWindow(img.data) : null), [img]);
  // The window the user chose, for the image it was chosen on; a new image starts at its automatic window.
  const [chosen, setChosen] = useState<{ for: WindowLevel | null; wl: WindowLevel } | null>(null);
  const wl: WindowLevel | null = chosen && chosen.for === auto ? chosen.wl : auto;
  const setWl = (next: WindowLevel) => setChosen({ for: auto, wl: next });
  const [view, setView] = useState<ViewState>(INITIAL_VIEW);
  const [mode, setMode] = useState<'wl' | 'pan'>('wl');
  const [layers, setLayers] = useState({ trainee: true, consensus: true, discrepancy: true });
  const [readout, setReadout] = useState<string | null>(null);
  const [cssWidth, setCssWidth] = useState(560);

  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const greyRef = useRef<HTMLCanvasElement | null>(null);
  const scratchRef = useRef<HTMLCanvasElement | null>(null);
  const dragRef = useRef<Drag | null>(null);

  // Follow the container's width.
  useEffect(() => {
    const el = wrapRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setCssWidth(Math.min(720, w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const aspect = geometry ? (geometry.rows * geometry.dy) / (geometry.columns * geometry.dx) : 1;
  const cssHeight = Math.round(Math.min(720, Math.max(240, cssWidth * aspect)));

  // The windowed image at its own resolution, on an offscreen canvas.
  useEffect(() => {
    if (!img || !wl) return;
    const grey = greyRef.current ?? document.createElement('canvas');
    greyRef.current = grey;
    grey.width = img.columns;
    grey.height = img.rows;
    const g = grey.getContext('2d');
    if (!g) return;
    const rgba = renderGrey(img.data, wl);
    g.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, img.columns, img.rows), 0, 0);
  }, [img, wl]);

  const hasReference = !!reference && (!!reference.epicardium || !!reference.endocardium);
  const hasTrainee = !!trainee && (!!trainee.epicardium || !!trainee.endocardium);

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas || !geometry) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(cssWidth * dpr);
    const h = Math.round(cssHeight * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const t = viewTransform(cssWidth, cssHeight, geometry, view);
    if (greyRef.current) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(greyRef.current, t.ox, t.oy, geometry.columns * t.sx, geometry.rows * t.sy);
    }
    if (layers.discrepancy && hasReference && trainee) {
      const scratch = scratchRef.current ?? document.createElement('canvas');
      scratchRef.current = scratch;
      drawDifference(ctx, scratch, trainee, reference, t, COLOURS.over, dpr);
      drawDifference(ctx, scratch, reference, trainee, t, COLOURS.missed, dpr);
    }
    if (layers.consensus && hasReference) strokeContours(ctx, reference, t, COLOURS.consensus, true);
    if (layers.trainee) strokeContours(ctx, trainee, t, COLOURS.trainee, false);
    if (marker) {
      const [mx, my] = toScreen(marker.x, marker.y, t);
      ctx.save();
      ctx.strokeStyle = marker.confirmed ? '#22c55e' : '#f97316';
      ctx.lineWidth = 2;
      ctx.setLineDash(marker.confirmed ? [] : [3, 2]);
      ctx.beginPath();
      ctx.arc(mx, my, 7, 0, 2 * Math.PI);
      ctx.moveTo(mx - 11, my);
      ctx.lineTo(mx + 11, my);
      ctx.moveTo(mx, my - 11);
      ctx.lineTo(mx, my + 11);
      ctx.stroke();
      ctx.restore();
    }
  }, [geometry, cssWidth, cssHeight, view, layers, hasReference, trainee, reference, marker]);

  useEffect(() => {
    draw();
  }, [draw, wl]);

  // Wheel zoom around the cursor (a native listener: React's wheel handler is passive and cannot stop scrolling).
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !geometry) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const factor = e.deltaY < 0 ? 1.15 : 1 / 1.15;
      setView((v) => zoomAt(v, factor, e.clientX - rect.left, e.clientY - rect.top, cssWidth, cssHeight, geometry));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [geometry, cssWidth, cssHeight]);

  function onPointerDown(e: ReactPointerEvent<HTMLCanvasElement>) {
    if (onPick && geometry && e.button === 0 && !e.shiftKey && mode === 'wl') {
      const rect = e.currentTarget.getBoundingClientRect();
      const p = pointAt(e.clientX - rect.left, e.clientY - rect.top, viewTransform(cssWidth, cssHeight, geometry, view), geometry);
      if (p) onPick({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 });
      return;
    }
    if (!wl) return;
    const pan = mode === 'pan' || e.shiftKey || e.button === 1 || e.button === 2;
    dragRef.current = { x: e.clientX, y: e.clientY, mode: pan ? 'pan' : 'wl', wl, view };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  }

  function onPointerMove(e: ReactPointerEvent<HTMLCanvasElement>) {
    const d = dragRef.current;
    if (d && auto) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (d.mode === 'pan') setView({ ...d.view, panX: d.view.panX + dx, panY: d.view.panY + dy });
      else setWl(dragWindow(d.wl, dx, dy, auto.width / 256));
      return;
    }
    if (!img || !geometry) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const t = viewTransform(cssWidth, cssHeight, geometry, view);
    const p = pixelAt(e.clientX - rect.left, e.clientY - rect.top, t, geometry);
    if (!p) {
      setReadout(null);
      return;
    }
    const v = img.data[p.row * img.columns + p.column];
    setReadout(`x ${p.column}, y ${p.row}: ${Number.isFinite(v) ? v.toFixed(1) : '—'} ${img.units}`);
  }

  function onPointerUp(e: ReactPointerEvent<HTMLCanvasElement>) {
    dragRef.current = null;
    e.currentTarget.releasePointerCapture?.(e.pointerId);
  }

  const zoomBy = (factor: number) => {
    if (geometry) setView((v) => zoomAt(v, factor, cssWidth / 2, cssHeight / 2, cssWidth, cssHeight, geometry));
  };

  const dec = decimalsFor(auto?.width ?? 100);
  const step = auto ? Number((auto.width / 100).toPrecision(1)) : 1;

  return (
    <section className="card viewer" aria-labelledby={`viewer-${caseId}`}>
      <h2 id={`viewer-${caseId}`}>Image and contours</h2>
      {pixels.isPending ? <Loading what="Loading the image" /> : null}
      {pixels.isError ? <ErrorBox title="The image could not be shown">{errorMessage(pixels.error)}</ErrorBox> : null}
      <div className="viewer-layout">
        <div className="viewer-canvas-wrap" ref={wrapRef}>
          <canvas
            ref={canvasRef}
            data-testid="image-canvas"
            className={`viewer-canvas mode-${onPick ? 'pick' : mode}`}
            style={{ width: cssWidth, height: cssHeight }}
            role="img"
            aria-label="The case image with your contours and, where shown, the consensus contours. Drag to change window and level; use the wheel or the buttons to zoom."
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
            onPointerLeave={() => setReadout(null)}
            onContextMenu={(e) => e.preventDefault()}
          />
          <div className="viewer-readout muted small" aria-live="off">{readout ?? '\u00a0'}</div>
          {marker ? <p className="small muted" data-testid="viewer-marker">{marker.label}</p> : null}
        </div>
        <div className="viewer-controls">
          <fieldset>
            <legend>Layers</legend>
            {hasTrainee ? (
              <label className="check">
                <input type="checkbox" data-testid="layer-trainee" checked={layers.trainee}
                  onChange={(e) => setLayers((l) => ({ ...l, trainee: e.target.checked }))} />
                <span className="swatch swatch-line" style={{ borderColor: COLOURS.trainee }} aria-hidden="true" />
                Your contours
              </label>
            ) : null}
            <label className="check">
              <input type="checkbox" data-testid="layer-consensus" checked={layers.consensus && hasReference}
                disabled={!hasReference} onChange={(e) => setLayers((l) => ({ ...l, consensus: e.target.checked }))} />
              <span className="swatch swatch-dashed" style={{ borderColor: COLOURS.consensus }} aria-hidden="true" />
              Consensus contours
            </label>
            {hasTrainee ? (
              <label className="check">
                <input type="checkbox" data-testid="layer-discrepancy" checked={layers.discrepancy && hasReference}
                  disabled={!hasReference || !trainee} onChange={(e) => setLayers((l) => ({ ...l, discrepancy: e.target.checked }))} />
                Discrepancy
              </label>
            ) : null}
            {!hasReference && referenceNote ? <p className="note small" data-testid="reference-note">{referenceNote}</p> : null}
            <ul className="legend" aria-label="Legend">
              {hasTrainee ? (
                <li><span className="swatch swatch-line" style={{ borderColor: COLOURS.trainee }} aria-hidden="true" /> Your endocardium and epicardium (solid yellow)</li>
              ) : null}
              {hasReference ? (
                <li><span className="swatch swatch-dashed" style={{ borderColor: COLOURS.consensus }} aria-hidden="true" /> Consensus endocardium and epicardium (dashed sky blue)</li>
              ) : null}
              {hasReference && hasTrainee ? (
                <>
                  <li><span className="swatch" style={{ background: COLOURS.over }} aria-hidden="true" /> Over-contoured: your myocardium, not the consensus’s</li>
                  <li><span className="swatch" style={{ background: COLOURS.missed }} aria-hidden="true" /> Missed: consensus myocardium outside yours</li>
                </>
              ) : null}
            </ul>
          </fieldset>
          <fieldset>
            <legend>Window / level {img?.units ? <span className="muted">({img.units})</span> : null}</legend>
            <label className="field field-inline">
              <span>Width</span>
              <input type="number" data-testid="window-width" step={step} min={0}
                value={wl ? Number(wl.width.toFixed(dec)) : ''}
                onChange={(e) => {
                  const v = e.target.valueAsNumber;
                  if (wl && Number.isFinite(v) && v > 0) setWl({ ...wl, width: v });
                }} />
            </label>
            <label className="field field-inline">
              <span>Level</span>
              <input type="number" data-testid="window-level" step={step}
                value={wl ? Number(wl.level.toFixed(dec)) : ''}
                onChange={(e) => {
                  const v = e.target.valueAsNumber;
                  if (wl && Number.isFinite(v)) setWl({ ...wl, level: v });
                }} />
            </label>
            <button type="button" className="btn btn-small" onClick={() => auto && setWl(auto)} disabled={!auto}>
              Reset window (1st–99th percentile)
            </button>
          </fieldset>
          <fieldset>
            <legend>View</legend>
            <div className="button-row">
              <button type="button" className="btn btn-small" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>+</button>
              <button type="button" className="btn btn-small" aria-label="Zoom out" onClick={() => zoomBy(1 / 1.25)}>−</button>
              <button type="button" className="btn btn-small" onClick={() => setView(INITIAL_VIEW)}>Reset view</button>
              <span className="muted small">{Math.round(view.zoom * 100)}%</span>
            </div>
            <div className="segmented" role="radiogroup" aria-label="Mouse drag">
              <label className="check">
                <input type="radio" name={`drag-${caseId}`} checked={mode === 'wl'} onChange={() => setMode('wl')} />
                Drag: window/level
              </label>
              <label className="check">
                <input type="radio" name={`drag-${caseId}`} checked={mode === 'pan'} onChange={() => setMode('pan')} />
                Drag: pan
              </label>
            </div>
            <p className="hint">Horizontal drag changes the width, vertical the level. Shift-drag or right-drag pans; the wheel zooms.</p>
          </fieldset>
        </div>
      </div>
    </section>
  );
}
