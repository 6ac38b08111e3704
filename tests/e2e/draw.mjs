// End-to-end: contouring in the browser (cornerstone3D). A trainee opens a real Sunnybrook case, draws the expert's
// endocardium and epicardium by mouse (image pixel -> screen through the viewport's own transform, published on the
// viewport element as data-image-transform), submits, and reads the Dice and Hausdorff values. Then (second part)
// opens the feedback page's "Edit these contours", reshapes the epicardium by dragging across it, saves a draft and
// resubmits. Driven by test_draw_flow.py, which checks the numbers. Screenshots go to ARTIFACTS.
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;
const polys = JSON.parse(env.POLYGONS); // {"endocardium": [[x, y], ...], "epicardium": [...]} (pixel coordinates)

function log(msg) { process.stdout.write(`[e2e] ${msg}\n`); }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
let page;

/** Canvas transform of the viewport and its page offset: screen = left + o + (p + 0.5) * s. */
async function toScreenFn() {
  const el = page.locator('[data-testid="image-canvas"][data-ready="true"]');
  await el.waitFor({ timeout: 90000 }); // the first page with an image loads cornerstone3D (a shared CI machine)
  await page.waitForFunction(() => document.querySelector('[data-testid="image-canvas"]')?.dataset.imageTransform);
  const info = await el.evaluate((e) => ({ t: e.dataset.imageTransform, r: e.getBoundingClientRect().toJSON() }));
  const [ox, oy, sx, sy] = info.t.split(',').map(Number);
  return { sx, sy, f: ([x, y]) => [info.r.left + ox + (x + 0.5) * sx, info.r.top + oy + (y + 0.5) * sy] };
}

/** Draws a closed freehand contour through the points with the left button (back to the first point). */
async function drawClosed(points, toScreen) {
  const pts = points.map(toScreen);
  await page.mouse.move(pts[0][0], pts[0][1]);
  await page.mouse.down();
  for (const p of pts.slice(1)) await page.mouse.move(p[0], p[1], { steps: 2 });
  await page.mouse.move(pts[0][0], pts[0][1], { steps: 2 });
  await page.mouse.up();
  await page.waitForTimeout(200);
}

async function readMetrics() {
  await page.getByTestId('metric-epicardium-hausdorff').waitFor({ timeout: 60000 });
  const read = async (id) => (await page.getByTestId(id).first().innerText()).trim();
  const submission = Number(new URL(page.url()).pathname.split('/').pop());
  const body = await page.evaluate(async (id) => (await fetch(`/api/submissions/${id}`)).json(), submission);
  return {
    submission,
    contours: body.contours,
    myocardium_dice: await read('metric-myocardium-dice'),
    endocardium_dice: await read('metric-endocardium-dice'),
    epicardium_dice: await read('metric-epicardium-dice'),
    endocardium_hausdorff: await read('metric-endocardium-hausdorff'),
    epicardium_hausdorff: await read('metric-epicardium-hausdorff'),
  };
}

const result = {};
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') log('console: ' + m.text()); });
  page.on('pageerror', (e) => log('pageerror: ' + e.message + ' ' + (e.stack || '').slice(0, 600)));
  page.setDefaultTimeout(30000);
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(env.TRAINEE);
  await page.getByTestId('login-password').fill(env.TRAINEE_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByText(env.CASE_TITLE).first().click();
  await page.getByTestId('draw-link').click();
  const { sx } = await toScreenFn();
  result.screen_px_per_image_px = sx;
  log(`viewport: ${sx.toFixed(2)} screen px per image px`);
  await page.screenshot({ path: `${ART}/draw-empty-1280.png` });

  // (a) draw the expert's contours by mouse; the keyboard switches the structure (E / P).
  await page.getByTestId('image-canvas').focus();
  await page.keyboard.press('e');
  // Focusing may scroll the page: the screen mapping is taken again just before each drag.
  await drawClosed(polys.endocardium, (await toScreenFn()).f);
  await page.getByTestId('image-canvas').focus();
  await page.keyboard.press('p');
  if (!(await page.getByTestId('structure-epicardium').isChecked())) throw new Error('P did not switch to the epicardium');
  await drawClosed(polys.epicardium, (await toScreenFn()).f);
  const status = await page.getByTestId('draw-status').innerText();
  log('draw status: ' + status);
  if (!/Endocardium \d+ points, epicardium \d+ points/.test(status)) throw new Error('both walls should be drawn: ' + status);
  // Undo removes the epicardium, redo brings it back.
  await page.getByTestId('undo').click();
  await page.waitForTimeout(200);
  const afterUndo = await page.getByTestId('draw-status').innerText();
  log('after undo: ' + afterUndo);
  await page.getByTestId('redo').click();
  await page.waitForTimeout(200);
  const afterRedo = await page.getByTestId('draw-status').innerText();
  log('after redo: ' + afterRedo);
  if (afterRedo !== status) throw new Error(`redo should restore "${status}", shows "${afterRedo}"`);
  result.undo_status = afterUndo;
  await page.getByTestId('image-canvas').focus();
  await page.keyboard.press('?');
  await page.getByTestId('shortcut-help').waitFor();
  await page.screenshot({ path: `${ART}/draw-drawn-1280.png` });
  await page.getByTestId('save-draft').click();
  await page.getByTestId('draft-saved').waitFor();
  await page.getByTestId('submit-contours').click();
  result.drawn = await readMetrics();
  log('drawn ' + JSON.stringify(result.drawn));
  await page.locator('[data-testid="image-canvas"][data-ready="true"]').waitFor();
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${ART}/draw-feedback-1280.png` });
  // Time to first paint of the feedback page loaded afresh (a full navigation, the session cookie kept), and until
  // the verdict and the image are shown.
  await page.goto(page.url());
  await page.getByTestId('metric-epicardium-hausdorff').waitFor({ timeout: 60000 });
  const verdictMs = await page.evaluate(() => Math.round(performance.now()));
  const box = await page.getByTestId('verdict-message').boundingBox();
  if (!box || box.y + box.height > 800) throw new Error(`the verdict is not above the fold at 1280x800: ${JSON.stringify(box)}`);
  await page.locator('[data-testid="image-canvas"][data-ready="true"]').waitFor({ timeout: 60000 });
  const imageMs = await page.evaluate(() => Math.round(performance.now()));
  const paint = await page.evaluate(() => performance.getEntriesByType('paint').map((p) => [p.name, Math.round(p.startTime)]));
  paint.push(['verdict-shown-by', verdictMs], ['image-ready-by', imageMs]);
  log('paint ' + JSON.stringify(paint));
  result.paint = paint;
  // The DICOM downloads of the feedback page answer DICOM files (bytes 128-131 'DICM').
  result.exports = {};
  for (const id of ['export-contours-seg', 'export-contours-rtstruct', 'export-consensus-seg', 'export-consensus-rtstruct']) {
    const href = await page.getByTestId(id).getAttribute('href');
    const res = await page.request.get(BASE + href);
    const body = await res.body();
    result.exports[id] = { status: res.status(), dicm: body.subarray(128, 132).toString('latin1'), bytes: body.length };
  }
  log('exports ' + JSON.stringify(result.exports));

  // (b) edit the submitted contours: drag outward across the epicardium (3 image px) and back, resubmit.
  await page.getByTestId('edit-contours').click();
  await toScreenFn();
  await page.getByTestId('image-canvas').focus();
  await page.keyboard.press('p');
  const g = await toScreenFn();
  const epi = polys.epicardium;
  const cx = epi.reduce((s, p) => s + p[0], 0) / epi.length;
  const cy = epi.reduce((s, p) => s + p[1], 0) / epi.length;
  const out = (p, d) => {
    const dx = p[0] - cx; const dy = p[1] - cy; const n = Math.hypot(dx, dy);
    return [p[0] + (dx / n) * d, p[1] + (dy / n) * d];
  };
  const k = Math.floor(epi.length / 4);
  const span = Math.max(3, Math.floor(epi.length / 6));
  const path = [epi[k]];
  for (let i = 0; i <= span; i += 1) path.push(out(epi[(k + i) % epi.length], 3));
  path.push(epi[(k + span) % epi.length]);
  const before = await page.getByTestId('draw-status').innerText();
  const sp = path.map(g.f);
  await page.mouse.move(sp[0][0], sp[0][1]);
  await page.mouse.down();
  for (const p of sp.slice(1)) await page.mouse.move(p[0], p[1], { steps: 3 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const after = await page.getByTestId('draw-status').innerText();
  log(`edit: ${before} -> ${after}`);
  await page.screenshot({ path: `${ART}/draw-edited-1280.png` });
  await page.getByTestId('submit-contours').click();
  result.edited = await readMetrics();
  log('edited ' + JSON.stringify(result.edited));

  // 390 px wide: no sideways scroll on the draw and feedback pages.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${ART}/draw-feedback-390.png`, fullPage: true });
  result.feedback_scroll_390 = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.getByTestId('edit-contours').click();
  await page.locator('[data-testid="image-canvas"][data-ready="true"]').waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${ART}/draw-390.png`, fullPage: true });
  result.draw_scroll_390 = await page.evaluate(() => document.documentElement.scrollWidth);
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
  process.stdout.write('E2E OK\n');
} catch (err) {
  if (page) await page.screenshot({ path: `${ART}/draw-failure.png`, fullPage: true }).catch(() => {});
  process.stdout.write(`E2E FAILED: ${err.stack || err}\n`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
