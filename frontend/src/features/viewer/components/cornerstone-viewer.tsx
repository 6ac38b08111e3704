import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ErrorBox, Loading } from '@/components/error-box';
import { useCaseImage } from '../api/get-case-image';
import { errorMessage } from '@/lib/api-client';
import type { Point } from '@/lib/vocabulary';
import { COLOURS, drawDifference, strokeContours } from '../lib/draw';
import {
  colourBarTicks, fromCornerstoneImage, gradientCss, MAP_STOPS, polygonFromPolyline, structureForKey,
  toCornerstoneImage, transformFromCanvasPoints, windowPresets,
} from '../lib/contour-coords';
import { core, ENDOCARDIUM_TOOL, EPICARDIUM_TOOL, initCornerstone, loadCaseImageIds, tools } from '../lib/cornerstone';
import { toScreen, type Transform } from '../lib/geometry';
import { autoWindow, type WindowLevel } from '../lib/window-level';
import type { ImageViewerProps, Structure } from './viewer-types';

type Stack = core.Types.IStackViewport;
type FreehandAnnotation = tools.Types.Annotation & { data: { contour?: { polyline: core.Types.Point3[]; closed: boolean } } };

const MAP_COLORMAP = 'myoqa-map';
const WALL_TOOL: Record<Structure, string> = { endocardium: ENDOCARDIUM_TOOL, epicardium: EPICARDIUM_TOOL };
const WALL_COLOUR: Record<Structure, string> = { endocardium: '#F0E442', epicardium: '#CC79A7' };

function decimalsFor(width: number): number {
  if (width >= 100) return 0;
  if (width >= 10) return 1;
  if (width >= 1) return 2;
  return 4;
}

function registerMapColormap() {
  const cm = core.utilities.colormap;
  if (cm.getColormap(MAP_COLORMAP)) return;
  cm.registerColormap({ Name: MAP_COLORMAP, name: MAP_COLORMAP, ColorSpace: 'RGB', RGBPoints: MAP_STOPS.flat() } as never);
}

/** MyoQA contour point → canvas (CSS pixels) of the viewport. */
function canvasOf(vp: Stack, imageId: string, p: Point): Point {
  const world = core.utilities.imageToWorldCoords(imageId, toCornerstoneImage(p) as unknown as core.Types.Point2);
  const c = vp.worldToCanvas(world as core.Types.Point3);
  return [c[0], c[1]];
}

/** The drawn closed contours of one structure, the newest last, as MyoQA polygons. */
function drawnWall(element: HTMLDivElement, imageId: string, structure: Structure): Point[] | null {
  const anns = (tools.annotation.state.getAnnotations(WALL_TOOL[structure], element) ?? []) as FreehandAnnotation[];
  for (let i = anns.length - 1; i >= 0; i -= 1) {
    const polyline = anns[i].data.contour?.polyline;
    if (!polyline || polyline.length < 3 || anns[i].data.contour?.closed === false) continue;
    const pts = polyline.map((w) => fromCornerstoneImage(core.utilities.worldToImageCoords(imageId, w) ?? [Number.NaN, Number.NaN]));
    const poly = polygonFromPolyline(pts);
    if (poly) return poly;
  }
  return null;
}

/**
 * The case image on cornerstone3D: window / level (drag, presets, numbers), zoom (wheel, right-drag, buttons) and pan
 * (middle-drag, shift-drag in the pan mode), a colour map with a colour bar in ms for T1 and T2 maps, the echoes of a
 * T2* series (wheel, buttons), and the feedback layers (the trainee's contours, the consensus, over- and
 * under-contoured myocardium) drawn over it, each toggled with a legend. With `editor`, the trainee draws the
 * endocardium and the epicardium as closed freehand contours (cornerstone's PlanarFreehandROI tool, one instance per
 * wall) with undo / redo and keyboard shortcuts.
 */
export default function CornerstoneViewer({ caseId, trainee, reference, referenceNote, marker = null, onPick = null, editor = null }: ImageViewerProps) {
  const uid = useId().replace(/[^a-zA-Z0-9]/g, '');
  const engineId = `myoqa-engine-${uid}`;
  const viewportId = `myoqa-viewport-${uid}`;
  const toolGroupId = `myoqa-tools-${uid}`;
  const caseQuery = useCaseImage(caseId);
  const kind = caseQuery.data?.image.kind ?? 'magnitude';
  const units = caseQuery.data?.image.units ?? '';
  const echoTimes = caseQuery.data?.image.echo_times_ms ?? null;
  const isMap = kind === 't1_map' || kind === 't2_map';

  const elRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const scratchRef = useRef<HTMLCanvasElement | null>(null);
  const vpRef = useRef<Stack | null>(null);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [auto, setAuto] = useState<WindowLevel | null>(null);
  const [wl, setWl] = useState<WindowLevel | null>(null);
  const [colour, setColour] = useState(true);
  const [layers, setLayers] = useState({ trainee: true, consensus: true, discrepancy: true });
  const [mode, setMode] = useState<'wl' | 'pan'>('wl');
  const [echo, setEcho] = useState({ index: 0, count: 1 });
  const [zoom, setZoom] = useState(1);
  const [readout, setReadout] = useState<string | null>(null);
  const [structure, setStructure] = useState<Structure>('endocardium');
  const [showHelp, setShowHelp] = useState(false);
  const editorRef = useRef(editor);
  useEffect(() => {
    editorRef.current = editor;
  });
  const editing = !!editor;
  const initialContours = editor?.initial ?? null;

  // Set up the rendering engine, the stack and the tools for this case.
  useEffect(() => {
    let cancelled = false;
    let engine: core.RenderingEngine | null = null;
    (async () => {
      await initCornerstone();
      registerMapColormap();
      const imageIds = await loadCaseImageIds(caseId);
      const element = elRef.current;
      if (cancelled || !element) return;
      engine = new core.RenderingEngine(engineId);
      engine.enableElement({ viewportId, type: core.Enums.ViewportType.STACK, element });
      const vp = engine.getViewport(viewportId) as Stack;
      vpRef.current = vp;
      await vp.setStack(imageIds, 0);
      if (cancelled) return;
      const image = core.cache.getImage(imageIds[0]);
      const a = image ? autoWindow(image.getPixelData() as ArrayLike<number>) : null;
      setAuto(a);
      setWl(a);
      setEcho({ index: 0, count: imageIds.length });

      const group = tools.ToolGroupManager.createToolGroup(toolGroupId);
      if (!group) throw new Error('The viewer tools could not be set up.');
      group.addTool(tools.WindowLevelTool.toolName);
      group.addTool(tools.PanTool.toolName);
      group.addTool(tools.ZoomTool.toolName);
      group.addTool(tools.StackScrollTool.toolName);
      // The contour tools only where the trainee draws: elsewhere they would draw a drawing page's annotations.
      if (editing) {
        group.addToolInstance(ENDOCARDIUM_TOOL, tools.PlanarFreehandROITool.toolName, { allowOpenContours: false, calculateStats: false });
        group.addToolInstance(EPICARDIUM_TOOL, tools.PlanarFreehandROITool.toolName, { allowOpenContours: false, calculateStats: false });
      }
      group.addViewport(viewportId, engineId);
      tools.annotation.config.style.setToolGroupToolStyles(toolGroupId, {
        [ENDOCARDIUM_TOOL]: { color: WALL_COLOUR.endocardium, colorHighlighted: WALL_COLOUR.endocardium, colorSelected: WALL_COLOUR.endocardium, lineWidth: '2' },
        [EPICARDIUM_TOOL]: { color: WALL_COLOUR.epicardium, colorHighlighted: WALL_COLOUR.epicardium, colorSelected: WALL_COLOUR.epicardium, lineWidth: '2' },
      } as never);
      const { MouseBindings } = tools.Enums;
      group.setToolActive(tools.ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
      group.setToolActive(tools.PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
      group.setToolActive(imageIds.length > 1 ? tools.StackScrollTool.toolName : tools.ZoomTool.toolName, {
        bindings: [...(imageIds.length > 1 ? [] : [{ mouseButton: MouseBindings.Secondary }]), { mouseButton: MouseBindings.Wheel }],
      });
      setStatus('ready');
    })().catch((e: unknown) => {
      if (cancelled) return;
      setError(errorMessage(e));
      setStatus('error');
    });
    return () => {
      cancelled = true;
      vpRef.current = null;
      // Drawn contours live in cornerstone's global annotation state: the next page starts without them.
      if (editing) {
        for (const name of [ENDOCARDIUM_TOOL, EPICARDIUM_TOOL]) {
          for (const a of tools.annotation.state.getAllAnnotations().filter((x) => x.metadata?.toolName === name)) {
            if (a.annotationUID) tools.annotation.state.removeAnnotation(a.annotationUID);
          }
        }
      }
      tools.ToolGroupManager.destroyToolGroup(toolGroupId);
      engine?.destroy();
    };
  }, [caseId, engineId, viewportId, toolGroupId, editing]);

  // The primary mouse button: the active wall's contour tool (editing), window/level or pan; nothing while picking.
  useEffect(() => {
    if (status !== 'ready') return;
    const group = tools.ToolGroupManager.getToolGroup(toolGroupId);
    if (!group) return;
    const { MouseBindings } = tools.Enums;
    const primaries = editing ? [tools.WindowLevelTool.toolName, ENDOCARDIUM_TOOL, EPICARDIUM_TOOL] : [tools.WindowLevelTool.toolName];
    for (const name of primaries) group.setToolPassive(name, { removeAllBindings: true } as never);
    if (!(mode === 'pan' && !editing)) group.setToolActive(tools.PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    if (onPick) return;
    if (editing) {
      group.setToolActive(WALL_TOOL[structure], { bindings: [{ mouseButton: MouseBindings.Primary }] });
      group.setToolEnabled(WALL_TOOL[structure === 'endocardium' ? 'epicardium' : 'endocardium']);
    } else if (mode === 'pan') {
      group.setToolActive(tools.PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }, { mouseButton: MouseBindings.Auxiliary }] });
    } else {
      group.setToolActive(tools.WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
    }
  }, [status, mode, editing, structure, onPick, toolGroupId]);

  // Window / level and the colour map follow the state.
  useEffect(() => {
    const vp = vpRef.current;
    if (status !== 'ready' || !vp || !wl) return;
    const voiRange = { lower: wl.level - wl.width / 2, upper: wl.level + wl.width / 2 };
    vp.setProperties({ voiRange, colormap: isMap && colour ? { name: MAP_COLORMAP } : { name: 'Grayscale' } } as never);
    vp.render();
  }, [status, wl, colour, isMap]);

  // Existing contours to edit (a draft or an uploaded contour), loaded once per set.
  useEffect(() => {
    const vp = vpRef.current;
    const element = elRef.current;
    if (status !== 'ready' || !vp || !element || !editing) return;
    const imageId = vp.getCurrentImageId();
    for (const wall of ['endocardium', 'epicardium'] as const) {
      for (const a of tools.annotation.state.getAnnotations(WALL_TOOL[wall], element) ?? []) {
        if (a.annotationUID) tools.annotation.state.removeAnnotation(a.annotationUID);
      }
      const pts = initialContours?.[wall];
      if (!pts || pts.length < 3) continue;
      const polyline = pts.map((p) => core.utilities.imageToWorldCoords(imageId, toCornerstoneImage(p) as unknown as core.Types.Point2) as core.Types.Point3);
      const viewRef = vp.getViewReference();
      const ann = tools.PlanarFreehandROITool.createAnnotation(
        { metadata: { ...viewRef, toolName: WALL_TOOL[wall], referencedImageId: imageId } },
        { data: { contour: { polyline, closed: true } } },
      );
      ann.annotationUID = core.utilities.uuidv4();
      tools.annotation.state.addAnnotation(ann, element);
    }
    editorRef.current?.onChange({
      endocardium: drawnWall(element, imageId, 'endocardium'),
      epicardium: drawnWall(element, imageId, 'epicardium'),
    });
    tools.utilities.triggerAnnotationRenderForViewportIds([viewportId]);
  }, [status, editing, initialContours, viewportId]);

  // The drawn contours, reported after every change (drawn, edited, removed, undone).
  useEffect(() => {
    if (status !== 'ready' || !editing) return undefined;
    const report = () => {
      const vp = vpRef.current;
      const element = elRef.current;
      if (!vp || !element) return;
      const imageId = vp.getCurrentImageId();
      editorRef.current?.onChange({
        endocardium: drawnWall(element, imageId, 'endocardium'),
        epicardium: drawnWall(element, imageId, 'epicardium'),
      });
    };
    const E = tools.Enums.Events;
    const names = [E.ANNOTATION_COMPLETED, E.ANNOTATION_MODIFIED, E.ANNOTATION_REMOVED, E.ANNOTATION_ADDED];
    for (const n of names) core.eventTarget.addEventListener(n, report);
    return () => {
      for (const n of names) core.eventTarget.removeEventListener(n, report);
    };
  }, [status, editing]);

  const hasReference = !!reference && (!!reference.epicardium || !!reference.endocardium);
  const hasTrainee = !!trainee && (!!trainee.epicardium || !!trainee.endocardium);

  // The feedback layers, drawn on a canvas over the viewport after every render (zoom, pan, echo, window).
  const drawOverlay = useCallback(() => {
    const vp = vpRef.current;
    const canvas = overlayRef.current;
    const element = elRef.current;
    if (!vp || !canvas || !element) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(element.clientWidth * dpr);
    const h = Math.round(element.clientHeight * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const imageId = vp.getCurrentImageId();
    if (!imageId) return;
    const t: Transform = transformFromCanvasPoints(canvasOf(vp, imageId, [-0.5, -0.5]), canvasOf(vp, imageId, [0.5, -0.5]), canvasOf(vp, imageId, [-0.5, 0.5]));
    // Published for the browser tests (image pixel -> screen): canvas = o + (p + 0.5) * s, CSS pixels.
    element.dataset.imageTransform = [t.ox, t.oy, t.sx, t.sy].map((v) => v.toFixed(4)).join(',');
    setZoom(Math.round((vp.getZoom?.() ?? 1) * 100) / 100);
    if (layers.discrepancy && hasReference && trainee) {
      const scratch = scratchRef.current ?? document.createElement('canvas');
      scratchRef.current = scratch;
      drawDifference(ctx, scratch, trainee, reference, t, COLOURS.over, dpr);
      drawDifference(ctx, scratch, reference, trainee, t, COLOURS.missed, dpr);
    }
    if (layers.consensus && hasReference) strokeContours(ctx, reference, t, COLOURS.consensus, true);
    if (layers.trainee && hasTrainee) strokeContours(ctx, trainee, t, COLOURS.trainee, false);
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
  }, [layers, hasReference, hasTrainee, trainee, reference, marker]);

  useEffect(() => {
    const element = elRef.current;
    if (status !== 'ready' || !element) return undefined;
    const onRendered = () => drawOverlay();
    const onStack = () => {
      const vp = vpRef.current;
      if (vp) setEcho((e) => ({ ...e, index: vp.getCurrentImageIdIndex() }));
    };
    element.addEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
    element.addEventListener(core.Enums.Events.STACK_NEW_IMAGE, onStack);
    drawOverlay();
    vpRef.current?.render();
    return () => {
      element.removeEventListener(core.Enums.Events.IMAGE_RENDERED, onRendered);
      element.removeEventListener(core.Enums.Events.STACK_NEW_IMAGE, onStack);
    };
  }, [status, drawOverlay]);

  // The element follows the page width (a phone turned, a window resized): cornerstone's canvas follows it, keeping
  // the zoom and pan, and the overlay is redrawn by the render that follows.
  useEffect(() => {
    const element = elRef.current;
    if (status !== 'ready' || !element || typeof ResizeObserver === 'undefined') return undefined;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        core.getRenderingEngine(engineId)?.resize(true, true);
        vpRef.current?.render();
        drawOverlay();
      });
    });
    ro.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, [status, engineId, drawOverlay]);

  // Window / level dragged with the mouse comes back into the numbers.
  useEffect(() => {
    const element = elRef.current;
    if (status !== 'ready' || !element) return undefined;
    const onVoi = (evt: Event) => {
      const range = (evt as CustomEvent<{ range?: { lower: number; upper: number } }>).detail?.range;
      if (!range) return;
      const next = { level: (range.lower + range.upper) / 2, width: range.upper - range.lower };
      setWl((cur) => (cur && Math.abs(cur.level - next.level) < 1e-9 && Math.abs(cur.width - next.width) < 1e-9 ? cur : next));
    };
    element.addEventListener(core.Enums.Events.VOI_MODIFIED, onVoi);
    return () => element.removeEventListener(core.Enums.Events.VOI_MODIFIED, onVoi);
  }, [status]);

  const undo = useCallback(() => core.utilities.HistoryMemo.DefaultHistoryMemo.undo(), []);
  const redo = useCallback(() => core.utilities.HistoryMemo.DefaultHistoryMemo.redo(), []);

  const toggleAllLayers = useCallback(() => {
    setLayers((l) => {
      const on = !(l.trainee || l.consensus || l.discrepancy);
      return { trainee: on, consensus: on, discrepancy: on };
    });
    const group = tools.ToolGroupManager.getToolGroup(toolGroupId);
    const element = elRef.current;
    if (group && element && editing) {
      for (const wall of ['endocardium', 'epicardium'] as const) {
        for (const a of tools.annotation.state.getAnnotations(WALL_TOOL[wall], element) ?? []) {
          if (a.annotationUID) tools.annotation.visibility.setAnnotationVisibility(a.annotationUID, !tools.annotation.visibility.isAnnotationVisible(a.annotationUID));
        }
      }
      tools.utilities.triggerAnnotationRenderForViewportIds([viewportId]);
    }
  }, [toolGroupId, viewportId, editing]);

  // Keyboard shortcuts (while the viewer has the focus): E / P structure, Ctrl+Z / Ctrl+Y (Ctrl+Shift+Z) undo / redo,
  // L all layers, R reset the view, ? the help panel.
  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>) {
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && e.key.toLowerCase() === 'z' && !e.shiftKey) {
      undo();
      e.preventDefault();
    } else if (ctrl && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
      redo();
      e.preventDefault();
    } else if (!ctrl && editing && structureForKey(e.key)) {
      setStructure(structureForKey(e.key) as Structure);
      e.preventDefault();
    } else if (!ctrl && e.key.toLowerCase() === 'l') {
      toggleAllLayers();
      e.preventDefault();
    } else if (!ctrl && e.key.toLowerCase() === 'r') {
      vpRef.current?.resetCamera();
      vpRef.current?.render();
      e.preventDefault();
    } else if (e.key === '?') {
      setShowHelp((s) => !s);
      e.preventDefault();
    }
  }

  function onPointerDown(e: React.PointerEvent<HTMLDivElement>) {
    const vp = vpRef.current;
    if (!onPick || !vp || e.button !== 0) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const world = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
    const [x, y] = fromCornerstoneImage(core.utilities.worldToImageCoords(vp.getCurrentImageId(), world) ?? [Number.NaN, Number.NaN]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const g = caseQuery.data?.image;
    if (g && (x < 0 || y < 0 || x > g.columns - 1 || y > g.rows - 1)) return;
    onPick({ x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 });
  }

  function onPointerMove(e: React.PointerEvent<HTMLDivElement>) {
    const vp = vpRef.current;
    if (!vp || status !== 'ready') return;
    const rect = e.currentTarget.getBoundingClientRect();
    const imageId = vp.getCurrentImageId();
    const world = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
    const [x, y] = fromCornerstoneImage(core.utilities.worldToImageCoords(imageId, world) ?? [Number.NaN, Number.NaN]);
    const column = Math.round(x);
    const row = Math.round(y);
    const image = core.cache.getImage(imageId);
    if (!image || column < 0 || row < 0 || column >= image.columns || row >= image.rows) {
      setReadout(null);
      return;
    }
    const v = (image.getPixelData() as ArrayLike<number>)[row * image.columns + column];
    setReadout(`x ${column}, y ${row}: ${Number.isFinite(v) ? v.toFixed(1) : '—'} ${units}`);
  }

  const goToEcho = (index: number) => {
    const vp = vpRef.current;
    if (!vp) return;
    const i = Math.max(0, Math.min(echo.count - 1, index));
    void vp.setImageIdIndex(i).then(() => setEcho((e) => ({ ...e, index: i })));
  };

  const zoomBy = (factor: number) => {
    const vp = vpRef.current;
    if (!vp) return;
    vp.setZoom(vp.getZoom() * factor);
    vp.render();
  };

  const presets = useMemo(() => windowPresets(kind), [kind]);
  const dec = decimalsFor(auto?.width ?? 100);
  const step = auto ? Number((auto.width / 100).toPrecision(1)) : 1;
  const lower = wl ? wl.level - wl.width / 2 : 0;
  const upper = wl ? wl.level + wl.width / 2 : 1;

  return (
    <section className="card viewer" aria-labelledby={`viewer-${caseId}`}>
      <h2 id={`viewer-${caseId}`}>{editing ? 'Draw your contours' : 'Image and contours'}</h2>
      {status === 'loading' ? <Loading what="Loading the image" /> : null}
      {status === 'error' ? <ErrorBox title="The image could not be shown">{error}</ErrorBox> : null}
      {editing ? (
        <div className="button-row contour-toolbar" role="toolbar" aria-label="Contouring">
          <div className="segmented" role="radiogroup" aria-label="Structure">
            {(['endocardium', 'epicardium'] as const).map((wall) => (
              <label className="check" key={wall}>
                <input type="radio" name={`structure-${uid}`} data-testid={`structure-${wall}`} checked={structure === wall}
                  onChange={() => setStructure(wall)} />
                <span className="swatch swatch-line" style={{ borderColor: WALL_COLOUR[wall] }} aria-hidden="true" />
                {wall === 'endocardium' ? 'Endocardium (E)' : 'Epicardium (P)'}
              </label>
            ))}
          </div>
          <button type="button" className="btn btn-small" data-testid="undo" onClick={undo}>Undo</button>
          <button type="button" className="btn btn-small" data-testid="redo" onClick={redo}>Redo</button>
          <button type="button" className="btn btn-small" aria-expanded={showHelp} onClick={() => setShowHelp((s) => !s)}>Shortcuts</button>
        </div>
      ) : null}
      {showHelp ? (
        <div className="note small" data-testid="shortcut-help" role="note">
          <strong>Keyboard shortcuts</strong> (click the image first)
          <ul className="plain-list">
            {editing ? <li><kbd>E</kbd> draw the endocardium, <kbd>P</kbd> draw the epicardium</li> : null}
            {editing ? <li>Drag with the left button to draw a closed contour; drag across a drawn contour to reshape it.</li> : null}
            <li><kbd>Ctrl</kbd>+<kbd>Z</kbd> undo, <kbd>Ctrl</kbd>+<kbd>Y</kbd> or <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Z</kbd> redo</li>
            <li><kbd>L</kbd> hide / show all layers, <kbd>R</kbd> reset zoom and pan, <kbd>?</kbd> this help</li>
            <li>Right-drag or the wheel zooms{echo.count > 1 ? ' (the wheel scrolls the echoes)' : ''}; middle-drag pans.</li>
          </ul>
        </div>
      ) : null}
      <div className="viewer-layout">
        <div className="viewer-canvas-wrap">
          <div className="viewer-stage">
            <div
              ref={elRef}
              data-testid="image-canvas"
              data-ready={status === 'ready' ? 'true' : 'false'}
              data-viewport-id={viewportId}
              className={`viewer-canvas cs-viewport mode-${onPick ? 'pick' : editing ? 'draw' : mode}`}
              role="img"
              tabIndex={0}
              aria-label="The case image with the contour layers. Drag to change window and level (or draw, when contouring); the wheel or right-drag zooms."
              onKeyDown={onKeyDown}
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setReadout(null)}
              onContextMenu={(e) => e.preventDefault()}
            />
            <canvas ref={overlayRef} className="viewer-overlay" aria-hidden="true" />
            {isMap && colour && wl ? (
              <div className="colour-bar" data-testid="colour-bar" aria-label={`Colour bar, ${lower.toFixed(0)} to ${upper.toFixed(0)} ${units}`}>
                <div className="colour-bar-ramp" style={{ background: gradientCss('to top') }} />
                <ul className="colour-bar-ticks">
                  {colourBarTicks(lower, upper).map((v) => (
                    <li key={v} style={{ bottom: `${((v - lower) / (upper - lower)) * 100}%` }}>{v}</li>
                  ))}
                </ul>
                <span className="colour-bar-unit">{units}</span>
              </div>
            ) : null}
          </div>
          <div className="viewer-readout muted small" aria-live="off">{readout ?? '\u00a0'}</div>
          {marker ? <p className="small muted" data-testid="viewer-marker">{marker.label}</p> : null}
          {echo.count > 1 ? (
            <div className="button-row" data-testid="echo-controls">
              <button type="button" className="btn btn-small" aria-label="Previous echo" onClick={() => goToEcho(echo.index - 1)} disabled={echo.index === 0}>‹</button>
              <span className="small" data-testid="echo-label">
                Echo {echo.index + 1} of {echo.count}
                {echoTimes?.[echo.index] != null ? `, TE ${echoTimes[echo.index].toFixed(2)} ms` : ''}
              </span>
              <button type="button" className="btn btn-small" aria-label="Next echo" onClick={() => goToEcho(echo.index + 1)} disabled={echo.index >= echo.count - 1}>›</button>
            </div>
          ) : null}
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
                Over- and under-contoured myocardium
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
                  <li><span className="swatch" style={{ background: COLOURS.missed }} aria-hidden="true" /> Under-contoured: consensus myocardium outside yours</li>
                </>
              ) : null}
              {editing ? (
                <>
                  <li><span className="swatch swatch-line" style={{ borderColor: WALL_COLOUR.endocardium }} aria-hidden="true" /> Endocardium you are drawing</li>
                  <li><span className="swatch swatch-line" style={{ borderColor: WALL_COLOUR.epicardium }} aria-hidden="true" /> Epicardium you are drawing</li>
                </>
              ) : null}
            </ul>
          </fieldset>
          <fieldset>
            <legend>Window / level {units ? <span className="muted">({units})</span> : null}</legend>
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
            <div className="button-row">
              <button type="button" className="btn btn-small" onClick={() => auto && setWl(auto)} disabled={!auto}>
                Auto (1st–99th percentile)
              </button>
              {presets.map((p) => (
                <button type="button" className="btn btn-small" key={p.label} onClick={() => setWl({ level: p.level, width: p.width })}>
                  {p.label}
                </button>
              ))}
            </div>
            {isMap ? (
              <label className="check">
                <input type="checkbox" data-testid="colour-map" checked={colour} onChange={(e) => setColour(e.target.checked)} />
                Colour map (colour bar in {units || 'ms'})
              </label>
            ) : null}
          </fieldset>
          <fieldset>
            <legend>View</legend>
            <div className="button-row">
              <button type="button" className="btn btn-small" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>+</button>
              <button type="button" className="btn btn-small" aria-label="Zoom out" onClick={() => zoomBy(1 / 1.25)}>−</button>
              <button type="button" className="btn btn-small" onClick={() => {
                vpRef.current?.resetCamera();
                vpRef.current?.render();
              }}>Reset view</button>
              <span className="muted small">{Math.round(zoom * 100)}%</span>
            </div>
            {!editing ? (
              <div className="segmented" role="radiogroup" aria-label="Mouse drag">
                <label className="check">
                  <input type="radio" name={`drag-${uid}`} checked={mode === 'wl'} onChange={() => setMode('wl')} />
                  Drag: window/level
                </label>
                <label className="check">
                  <input type="radio" name={`drag-${uid}`} checked={mode === 'pan'} onChange={() => setMode('pan')} />
                  Drag: pan
                </label>
              </div>
            ) : null}
            <p className="hint">
              {editing ? 'Left-drag draws; right-drag window/level is in the View mode after submitting. ' : 'Horizontal drag changes the width, vertical the level. '}
              Right-drag or the wheel zooms; middle-drag pans. Press <kbd>?</kbd> for the shortcuts.
            </p>
          </fieldset>
        </div>
      </div>
    </section>
  );
}
