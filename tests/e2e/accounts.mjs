// End-to-end: accounts in the browser. The supervisor resets a trainee's password on the cohort card (the temporary
// password is shown once); the trainee signs in with it and changes it under My account (a password the site's
// rules refuse is refused with their message first); the supervisor deactivates the trainee, whose sign-in is
// refused with a sentence, then reactivates them. Driven by test_accounts_flow.py.
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;
const TRAINEE_ID = env.TRAINEE_ID;

function log(msg) { process.stdout.write(`[accounts] ${msg}\n`); }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let page;

async function signIn(user, password) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('dialog', (d) => d.accept());
  await page.goto(BASE + '/');
  await page.getByTestId('login-username').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  return page;
}

try {
  // The supervisor resets the trainee's password.
  const sup = await signIn(env.SUPERVISOR, env.SUPERVISOR_PASSWORD);
  await sup.getByTestId(`reset-password-${TRAINEE_ID}`).click();
  const shown = await sup.getByTestId(`temporary-password-${TRAINEE_ID}`).locator('code').innerText();
  if (!/^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/.test(shown)) throw new Error(`temporary password shown: ${shown}`);
  log(`temporary password shown once (${shown.length} characters)`);

  // The old password no longer works; the temporary one does.
  const old = await signIn(env.TRAINEE, env.TRAINEE_PASSWORD);
  await old.getByText('Wrong username or password.').waitFor();
  const tr = await signIn(env.TRAINEE, shown);
  await tr.getByTestId('current-user').click();
  await tr.waitForURL('**/account');
  await tr.getByRole('heading', { name: 'My account' }).waitFor();
  // A password the site's rules refuse, then a good one.
  await tr.getByTestId('password-old').fill(shown);
  await tr.getByTestId('password-new').fill('1234567890');
  await tr.getByTestId('password-repeat').fill('1234567890');
  await tr.getByTestId('password-submit').click();
  const refusal = await tr.getByRole('alert').innerText();
  if (!/too common|entirely numeric/.test(refusal)) throw new Error(`refusal shown: ${refusal}`);
  log(`weak password refused: ${refusal}`);
  await tr.getByTestId('password-new').fill(env.NEW_PASSWORD);
  await tr.getByTestId('password-repeat').fill(env.NEW_PASSWORD);
  await tr.getByTestId('password-submit').click();
  await tr.getByTestId('password-changed').waitFor();
  if (ART) await tr.screenshot({ path: `${ART}/account-password-changed.png` });
  const again = await signIn(env.TRAINEE, env.NEW_PASSWORD);
  await again.getByTestId('current-user').waitFor();
  log('the trainee signs in with the new password');

  // Deactivation and reactivation.
  await sup.reload();
  await sup.getByTestId(`set-active-${TRAINEE_ID}`).click();
  await sup.getByTestId(`trainee-deactivated-${TRAINEE_ID}`).waitFor();
  if (ART) await sup.screenshot({ path: `${ART}/account-deactivated.png` });
  const refused = await signIn(env.TRAINEE, env.NEW_PASSWORD);
  await refused.getByText(/has been deactivated/).waitFor();
  log('a deactivated trainee is refused with a sentence');
  await sup.getByTestId(`set-active-${TRAINEE_ID}`).click();
  await sup.getByTestId(`trainee-deactivated-${TRAINEE_ID}`).waitFor({ state: 'detached' });
  const back = await signIn(env.TRAINEE, env.NEW_PASSWORD);
  await back.getByTestId('current-user').waitFor();
  process.stdout.write('ACCOUNTS OK\n');
} catch (err) {
  if (page && ART) await page.screenshot({ path: `${ART}/accounts-failure.png`, fullPage: true }).catch(() => {});
  if (page) log('page text at failure: ' + (await page.innerText('body').catch(() => '')).slice(0, 1500));
  throw err;
} finally {
  await browser.close();
}
