// End-to-end: supervisor creates a case from a real Sunnybrook frame + expert SAV; a trainee uploads the matching
// trainee SAV and sees the Dice and Hausdorff values of `manage.py assess`. Driven by test_feedback_flow.py, which
// starts the stack and passes everything through the environment. Screenshots go to ARTIFACTS.
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;
const expected = JSON.parse(env.EXPECTED);

function log(msg) { process.stdout.write(`[e2e] ${msg}\n`); }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let page;
try {
  // --- Supervisor: log in, add the case to the dataset ------------------------------------------------------------
  const sup = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await sup.newPage();
  page.on('console', (m) => { if (m.type() === 'error') log('console: ' + m.text()); });
  page.setDefaultTimeout(20000);
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(env.SUPERVISOR);
  await page.getByTestId('login-password').fill(env.SUPERVISOR_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('new-case-title').first().waitFor();
  log('supervisor logged in');
  await page.getByTestId('new-case-dataset').selectOption({ label: env.DATASET_NAME }).catch(() => {});
  await page.getByTestId('new-case-title').first().fill('Sunnybrook SC-HF-I-1 frame 59');
  await page.getByTestId('new-case-image').first().setInputFiles(env.DICOM);
  await page.getByTestId('new-case-gold').first().setInputFiles(env.EXPERT_SAV);
  await page.getByTestId('new-case-submit').first().click();
  await page.getByText('Sunnybrook SC-HF-I-1 frame 59').first().waitFor();
  log('case created');

  // --- Trainee: log in, open the case, upload the trainee SAV, read the feedback ---------------------------------
  const tr = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  page = await tr.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(env.TRAINEE);
  await page.getByTestId('login-password').fill(env.TRAINEE_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByText('Sunnybrook SC-HF-I-1 frame 59').first().click();
  await page.getByTestId('upload-contours').waitFor();
  const caseUrl = page.url();
  await page.getByTestId('upload-contours').setInputFiles(env.TRAINEE_SAV);
  await page.getByTestId('upload-submit').click();
  await page.getByTestId('metric-epicardium-hausdorff').waitFor({ timeout: 60000 });
  await page.getByTestId('image-canvas').waitFor();
  await page.waitForTimeout(800); // let the canvas draw
  if (await page.getByText('could not be shown').count()) throw new Error('the image view shows an error');
  // The canvas holds the image: some pixels are neither black nor empty.
  await page.locator('[data-testid="image-canvas"][data-ready="true"]').waitFor();
  await page.waitForTimeout(500);
  const lit = await page.getByTestId('image-canvas').evaluate((el) => {
    // cornerstone3D renders with WebGL off screen and copies each frame into this 2D canvas.
    const c = el.querySelector('canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) n++;
    return n;
  });
  log(`canvas pixels lit: ${lit}`);
  if (lit < 1000) throw new Error('the image canvas is empty');
  const read = async (id) => (await page.getByTestId(id).first().innerText()).trim();
  const seen = {
    myocardium_dice: await read('metric-myocardium-dice'),
    endocardium_dice: await read('metric-endocardium-dice'),
    epicardium_dice: await read('metric-epicardium-dice'),
    endocardium_hausdorff: await read('metric-endocardium-hausdorff'),
    epicardium_hausdorff: await read('metric-epicardium-hausdorff'),
  };
  log('feedback ' + JSON.stringify(seen));
  await page.screenshot({ path: `${ART}/trainee-feedback.png`, fullPage: true });
  for (const [k, v] of Object.entries(expected)) {
    if (!seen[k] || !seen[k].startsWith(v)) throw new Error(`${k}: page shows ${seen[k]}, assess gives ${v}`);
  }

  // The verdict on the page is the API's stored verdict, word for word, and each check's pass / fail is shown.
  const submissionId = Number(new URL(page.url()).pathname.split('/').pop());
  if (!Number.isInteger(submissionId)) throw new Error('the feedback address has no submission id: ' + page.url());
  const api = await (await page.request.get(`${BASE}/api/submissions/${submissionId}`)).json();
  const verdict = api.summary.verdict;
  const shownMessage = (await read('verdict-message'));
  log(`verdict shown: ${shownMessage}`);
  if (shownMessage !== verdict.message) throw new Error(`verdict: page shows "${shownMessage}", the API "${verdict.message}"`);
  const shownResult = await page.getByTestId('verdict-result').getAttribute('data-result');
  if (shownResult !== verdict.result) throw new Error(`verdict result: page ${shownResult}, API ${verdict.result}`);
  if (verdict.checks.length < 2) throw new Error('the API verdict has fewer than two checks (Dice, wall thickness)');
  for (const c of verdict.checks) {
    const want = c.passed === null ? 'unknown' : c.passed ? 'yes' : 'no';
    const got = await page.getByTestId(`check-${c.quantity}-passed`).getAttribute('data-passed');
    const text = await read(`check-${c.quantity}-passed`);
    if (got !== want || !/pass|fail|not measured/.test(text)) {
      throw new Error(`check ${c.quantity}: page shows ${got} (${text}), the API passed=${c.passed}`);
    }
  }
  log(`checks shown: ${verdict.checks.map((c) => `${c.quantity}=${c.passed}`).join(', ')}`);

  // Screenshots at 1280x800 (the verdict above the fold) and 390 px wide (no sideways scroll).
  const sized = async (name, width, height) => {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${ART}/${name}-${width}.png` });
    await page.screenshot({ path: `${ART}/${name}-${width}-full.png`, fullPage: true });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (sideways > 0) throw new Error(`${name} at ${width} px scrolls sideways by ${sideways} px`);
  };
  await sized('trainee-feedback', 1280, 800);
  const box = await page.getByTestId('verdict-message').boundingBox();
  const checksBox = await page.getByTestId('verdict-checks').boundingBox();
  if (!box || box.y + box.height > 800) throw new Error(`the verdict is below the fold at 1280x800 (${JSON.stringify(box)})`);
  log(`verdict at y=${Math.round(box.y)}..${Math.round(box.y + box.height)}, checks end at ${Math.round(checksBox.y + checksBox.height)} (fold 800)`);
  await sized('trainee-feedback', 390, 844);
  await page.goto(BASE + '/');
  await page.getByTestId(/^case-link-/).first().waitFor();
  await page.waitForTimeout(500);
  await sized('trainee-home', 1280, 800);
  await sized('trainee-home', 390, 844);
  const homeVerdict = await page.getByTestId(/^case-verdict-\d+-message$/).first().innerText();
  if (homeVerdict.trim() !== verdict.message) throw new Error(`home shows "${homeVerdict}", the API "${verdict.message}"`);
  await page.setViewportSize({ width: 1400, height: 1100 });
  await page.goto(BASE + `/submissions/${submissionId}`);
  await page.getByTestId('verdict-message').waitFor();

  // A bad upload: the page says what to fix.
  await page.goto(caseUrl);
  await page.getByTestId('upload-contours').setInputFiles(env.INVALID_SAV);
  await page.getByTestId('upload-submit').click();
  const err = await page.getByTestId('upload-error').innerText();
  log('upload error shown: ' + err);
  if (!/128x128/.test(err)) throw new Error('the upload error does not explain the problem: ' + err);
  await page.screenshot({ path: `${ART}/trainee-upload-error.png`, fullPage: true });

  // --- Supervisor: the cohort overview ------------------------------------------------------------------------------
  page = await sup.newPage();
  await page.goto(BASE + `/cohorts/${env.COHORT_ID}`);
  await page.getByTestId('overview-table').waitFor();
  await page.waitForTimeout(300);
  const tooltip = await page.getByTestId(`overview-open-${submissionId}`).getAttribute('title');
  if (tooltip !== verdict.message) throw new Error(`overview tooltip "${tooltip}", the API "${verdict.message}"`);
  await page.screenshot({ path: `${ART}/supervisor-overview.png`, fullPage: true });
  log('overview shown');
  process.stdout.write('E2E OK ' + JSON.stringify({ ...seen, verdict: verdict.message }) + '\n');
} catch (err) {
  // Leave evidence for the test report: a screenshot and the page's text.
  if (page) {
    await page.screenshot({ path: `${ART}/failure.png`, fullPage: true }).catch(() => {});
    log('page text at failure: ' + (await page.innerText('body').catch(() => '')).slice(0, 2000));
  }
  throw err;
} finally {
  await browser.close();
}
