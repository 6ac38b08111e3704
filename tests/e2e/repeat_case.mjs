// End-to-end: hidden repeat case. The supervisor makes a rotated repeat from the case page; the trainee sees two
// ordinary cases (nothing in any API response or on the repeat's page links them), submits to both, and the
// supervisor's page of the trainee shows the repeatability. Driven by test_repeat_case.py (environment).
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;
const secrets = JSON.parse(env.SECRETS);

function log(msg) { process.stdout.write(`[e2e] ${msg}\n`); }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

async function login(ctx, user, password) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('console', (m) => { if (m.type() === 'error') log('console: ' + m.text()); });
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForLoadState('networkidle');
  return page;
}

let page;
try {
  // --- Supervisor: make the repeat from the case page ----------------------------------------------------------
  const sup = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await login(sup, env.SUPERVISOR, env.SUPERVISOR_PASSWORD);
  await page.goto(`${BASE}/cases/${env.CASE_ID}`);
  await page.getByTestId('repeat-form').waitFor();
  await page.getByTestId('repeat-title').fill(env.REPEAT_TITLE);
  await page.getByTestId('repeat-transform').selectOption('rotate90');
  await page.getByTestId('repeat-when').selectOption('now');
  await page.getByTestId('repeat-submit').click();
  await page.getByTestId('repeat-created').waitFor();
  await page.screenshot({ path: `${ART}/repeat-supervisor-case.png`, fullPage: true });
  log('repeat made');

  // --- Trainee: two ordinary cases; record every API response -----------------------------------------------
  const tr = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const bodies = [];
  tr.on('response', async (resp) => {
    const url = resp.url();
    if (!url.includes('/api/')) return;
    const type = resp.headers()['content-type'] || '';
    const headers = JSON.stringify(resp.headers());
    let text = '';
    if (type.includes('json') || type.includes('text')) text = await resp.text().catch(() => '');
    bodies.push({ url, text: headers + text });
  });
  page = await login(tr, env.TRAINEE, env.TRAINEE_PASSWORD);
  await page.getByText(env.REPEAT_TITLE).first().waitFor();
  await page.getByText(env.CASE_TITLE).first().waitFor();
  await page.screenshot({ path: `${ART}/repeat-trainee-home.png`, fullPage: true });

  async function submit(title, sav) {
    await page.goto(BASE + '/');
    await page.getByText(title).first().click();
    await page.getByTestId('upload-contours').waitFor();
    await page.waitForLoadState('networkidle');
    const text = await page.locator('body').innerText();
    await page.getByTestId('upload-contours').setInputFiles(sav);
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('metric-myocardium-dice').waitFor({ timeout: 60000 });
    return text + (await page.locator('body').innerText());
  }
  const originalText = await submit(env.CASE_TITLE, env.FIRST_SAV);
  log('original submitted');
  const repeatText = await submit(env.REPEAT_TITLE, env.SECOND_SAV);
  log('repeat submitted');
  await page.goto(BASE + '/');
  await page.waitForLoadState('networkidle');
  const homeText = await page.locator('body').innerText();

  // Nothing shown to the trainee links the two: the repeat's pages never name the original, and no API response
  // carries the word "repeat", the original's UIDs or pixel hash (its title only in its own responses).
  if (repeatText.includes(env.CASE_TITLE)) throw new Error("the repeat's page names the original");
  for (const t of [repeatText, homeText, originalText]) {
    if (/repeat/i.test(t)) throw new Error('a trainee page says "repeat"');
  }
  for (const b of bodies) {
    if (/repeat/i.test(b.text)) throw new Error(`${b.url} says "repeat"`);
    for (const s of secrets.slice(0, -1)) if (b.text.includes(s)) throw new Error(`${b.url} carries ${s}`);
  }
  log(`${bodies.length} trainee API responses checked`);

  // Once both are submitted the trainee's own progress page may say so: the pair and their repeatability.
  await page.goto(`${BASE}/trainees/${env.TRAINEE_ID}`);
  await page.getByTestId('repeatability-table').waitFor();
  const own = await page.getByTestId('repeatability-table').innerText();
  if (!own.includes(env.CASE_TITLE) || !own.includes(env.REPEAT_TITLE)) throw new Error('the trainee misses the pair');
  await page.screenshot({ path: `${ART}/repeat-trainee-progress.png`, fullPage: true });

  // --- Supervisor: the trainee's page shows the repeatability ---------------------------------------------------
  page = await sup.newPage(); // still logged in
  page.setDefaultTimeout(30000);
  await page.goto(`${BASE}/trainees/${env.TRAINEE_ID}`);
  await page.getByTestId('repeatability-table').waitFor();
  const dice = (await page.getByTestId('repeatability-dice').first().innerText()).trim();
  log('repeatability Dice ' + dice);
  if (dice !== '1.000') throw new Error(`repeatability Dice ${dice}, expected 1.000`);
  const table = await page.getByTestId('repeatability-table').innerText();
  if (!table.includes(env.CASE_TITLE) || !table.includes(env.REPEAT_TITLE)) throw new Error('the pair is not named');
  await page.screenshot({ path: `${ART}/repeat-supervisor-trainee.png`, fullPage: true });
  log('E2E OK');
} catch (e) {
  log('FAILED: ' + (e && e.stack ? e.stack : e));
  if (page) await page.screenshot({ path: `${ART}/repeat-failure.png`, fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
