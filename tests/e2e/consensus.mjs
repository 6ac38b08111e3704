// End-to-end: the automatic consensus. A supervisor opens "Consensus models", reads a model's card and activates it
// there; a trainee uploads contours to a case no expert contoured and sees the feedback name the CNN and its accuracy.
// Driven by test_automatic_consensus_flow.py (stack, users, model folder). Screenshots go to ARTIFACTS.
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;

function log(msg) { process.stdout.write(`[e2e] ${msg}\n`); }

async function login(browser, user, password, height = 1000) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('console', (m) => { if (m.type() === 'error') log('console: ' + m.text()); });
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  return page;
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let page;
try {
  // --- Supervisor: the models page, the card, activation ----------------------------------------------------------
  page = await login(browser, env.SUPERVISOR, env.SUPERVISOR_PASSWORD);
  await page.getByTestId('nav-consensus-models').click();
  await page.getByTestId('models-table').waitFor();
  await page.getByText(env.MODEL_VERSION).first().waitFor();
  await page.screenshot({ path: `${ART}/supervisor-consensus-models.png`, fullPage: true });
  await page.getByTestId(`model-link-${env.MODEL_ID}`).click();
  await page.getByTestId('activate').click();
  await page.getByTestId('activation-confirm-yes').click();
  await page.getByTestId('activation-active').waitFor();
  await page.screenshot({ path: `${ART}/supervisor-model-card.png`, fullPage: true });
  log('model activated from its card');

  // --- Trainee: upload to the automatic-consensus case ------------------------------------------------------------
  page = await login(browser, env.TRAINEE, env.TRAINEE_PASSWORD, 1100);
  await page.getByText(env.CASE_TITLE).first().click();
  await page.getByTestId('upload-contours').setInputFiles(env.TRAINEE_SAV);
  await page.getByTestId('upload-submit').click();
  // Either the model's consensus (named, with its held-out accuracy) or an abstention ("No automatic consensus
  // here", not scored): never a silent pass against the trainee's own contour.
  await page.getByTestId('consensus-note').waitFor({ timeout: 90000 });
  await page.waitForFunction(() => !/queued|running/i.test(document.querySelector('[data-testid="consensus-note"]')?.textContent ?? 'queued'), null, { timeout: 90000 }).catch(() => {});
  const note = (await page.getByTestId('consensus-note').innerText()).trim();
  const hasSource = (await page.getByTestId('consensus-source').count()) > 0;
  const source = hasSource ? (await page.getByTestId('consensus-source').innerText()).trim() : '';
  const dice = hasSource ? (await page.getByTestId('metric-myocardium-dice').first().innerText()).trim() : null;
  log(`feedback: ${source} | ${note} | Dice ${dice}`);
  let outcome;
  if (hasSource) {
    if (!source.includes(`CNN ${env.MODEL_VERSION}`)) throw new Error('the feedback does not name the CNN model: ' + source);
    if (!/its own error against experts/i.test(note)) throw new Error('the feedback does not give the model accuracy: ' + note);
    outcome = 'consensus';
  } else {
    if (!/^No automatic consensus here/.test(note) || !/not scored/.test(note)) throw new Error('no consensus and no abstention note: ' + note);
    outcome = 'abstained';
  }
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${ART}/trainee-automatic-feedback.png`, fullPage: true });
  process.stdout.write('E2E OK ' + JSON.stringify({ outcome, source, dice, note }) + '\n');
} catch (err) {
  if (page) {
    await page.screenshot({ path: `${ART}/failure-consensus.png`, fullPage: true }).catch(() => {});
    log('page text at failure: ' + (await page.innerText('body').catch(() => '')).slice(0, 2000));
  }
  throw err;
} finally {
  await browser.close();
}
