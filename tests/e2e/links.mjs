// End-to-end: a trainee and a supervisor open their pages (home, case, feedback, My progress / the trainee's page,
// the cohort overview) and follow every internal link found on each: no href contains "undefined", no followed
// page shows "not found". Driven by test_links.py (which seeds a case with two evaluated attempts).
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;
const NOT_FOUND = /page not found|not found, or you do not have access|could not be opened|address is not valid/i;

function log(msg) { process.stdout.write(`[links] ${msg}\n`); }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let page;
const problems = [];

/** The page has rendered its content (not a spinner) and no error says it is missing. */
async function settle(p) {
  await p.waitForLoadState('networkidle').catch(() => {});
  await p.locator('h1').first().waitFor({ timeout: 20000 });
  await p.waitForFunction(() => !document.querySelector('.loading'), null, { timeout: 20000 }).catch(() => {});
}

async function hrefsOn(p) {
  return p.$$eval('a[href]', (as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
}

/** Opens `start`, checks its links, follows each internal one (pages in the browser, /api/ files by request). */
async function crawl(context, who, start) {
  page = await context.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(BASE + start);
  await settle(page);
  const body = await page.innerText('body');
  if (NOT_FOUND.test(body)) problems.push(`${who}: ${start} itself shows: ${body.match(NOT_FOUND)[0]}`);
  const hrefs = await hrefsOn(page);
  log(`${who} ${start}: ${hrefs.length} links`);
  if (hrefs.length === 0) problems.push(`${who}: ${start} has no link at all (signed out?)`);
  for (const href of hrefs) {
    if (/undefined|null|NaN/.test(href)) problems.push(`${who}: ${start} links to ${href}`);
  }
  const internal = hrefs.filter((h) => h.startsWith('/') && !h.startsWith('//'));
  const followed = [];
  for (const href of internal) {
    if (href.startsWith('/api/')) {
      // One retry when the socket was reset (a kept-alive connection the proxy had already closed); an HTTP error
      // status is never retried.
      const r = await context.request.get(BASE + href).catch((err) => {
        if (err?.code === 'ECONNRESET' || /ECONNRESET/.test(String(err))) return context.request.get(BASE + href);
        throw err;
      });
      if (r.status() >= 400) problems.push(`${who}: ${start} -> ${href} answers ${r.status()}`);
      followed.push(`${href} (${r.status()})`);
      continue;
    }
    const p = await context.newPage();
    p.setDefaultTimeout(20000);
    await p.goto(BASE + href);
    await settle(p);
    const text = await p.innerText('body');
    if (NOT_FOUND.test(text)) problems.push(`${who}: ${start} -> ${href} shows: ${text.match(NOT_FOUND)[0]}`);
    for (const h of await hrefsOn(p)) if (/undefined|null|NaN/.test(h)) problems.push(`${who}: ${href} links to ${h}`);
    followed.push(href);
    await p.close();
  }
  log(`${who} ${start}: followed ${followed.join(' ')}`);
  return hrefs;
}

async function login(user, password) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await context.newPage();
  await p.goto(BASE + '/');
  await p.getByTestId('login-username').fill(user);
  await p.getByTestId('login-password').fill(password);
  await p.getByTestId('login-submit').click();
  await p.getByTestId('current-user').waitFor();
  await p.close();
  return context;
}

try {
  const ids = JSON.parse(env.IDS);
  const tr = await login(env.TRAINEE, env.TRAINEE_PASSWORD);
  const home = await crawl(tr, 'trainee', '/');
  for (const want of [`/cases/${ids.case}`, `/submissions/${ids.latest}`, `/trainees/${ids.trainee}`]) {
    if (!home.includes(want)) problems.push(`trainee home has no link to ${want}`);
  }
  const casePage = await crawl(tr, 'trainee', `/cases/${ids.case}`);
  for (const s of ids.submissions) {
    if (!casePage.includes(`/submissions/${s}`)) problems.push(`trainee case page has no link to attempt /submissions/${s}`);
  }
  await crawl(tr, 'trainee', `/submissions/${ids.latest}`);
  const progress = await crawl(tr, 'trainee', `/trainees/${ids.trainee}`);
  for (const s of ids.submissions) {
    if (!progress.includes(`/submissions/${s}`)) problems.push(`My progress has no link to /submissions/${s}`);
  }

  const sup = await login(env.SUPERVISOR, env.SUPERVISOR_PASSWORD);
  await crawl(sup, 'supervisor', '/');
  await crawl(sup, 'supervisor', `/cases/${ids.case}`);
  await crawl(sup, 'supervisor', `/submissions/${ids.latest}`);
  const traineePage = await crawl(sup, 'supervisor', `/trainees/${ids.trainee}`);
  for (const s of ids.submissions) {
    if (!traineePage.includes(`/submissions/${s}`)) problems.push(`the supervisor's trainee page has no link to /submissions/${s}`);
  }
  await crawl(sup, 'supervisor', `/cohorts/${ids.cohort}`);
  // The overview's cells are buttons: each opens the latest attempt's feedback.
  const cell = page.getByTestId(`overview-open-${ids.latest}`);
  await cell.click();
  await page.waitForURL(`**/submissions/${ids.latest}`);
  await settle(page);
  if (NOT_FOUND.test(await page.innerText('body'))) problems.push('the overview cell opens a page that is not found');

  if (problems.length) throw new Error('link problems:\n  ' + problems.join('\n  '));
  process.stdout.write('LINKS OK\n');
} catch (err) {
  if (page) {
    await page.screenshot({ path: `${ART}/links-failure.png`, fullPage: true }).catch(() => {});
    log('page text at failure: ' + (await page.innerText('body').catch(() => '')).slice(0, 1500));
  }
  throw err;
} finally {
  await browser.close();
}
