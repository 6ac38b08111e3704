// End-to-end: the API documentation page (Swagger UI, served by Django from drf-spectacular-sidecar) renders its
// operations in Chromium through the proxy, behind the proxy's Content-Security-Policy: no script or style from
// another origin, no inline script, nothing refused by the CSP. Driven by test_api_docs.py.
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE_URL;
const ART = env.ARTIFACTS;

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const origins = new Set();
  page.on('request', (req) => origins.add(new URL(req.url()).origin));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const response = await page.goto(`${BASE}/api/docs/`);
  const csp = response.headers()['content-security-policy'] ?? '';
  if (!csp.includes("script-src 'self'")) problems.push(`the docs page has no same-origin CSP: ${csp}`);
  await page.locator('.opblock').first().waitFor({ timeout: 30000 });
  const operations = await page.locator('.opblock').count();
  const title = (await page.locator('.info .title').first().innerText()).trim();
  const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
  process.stdout.write(`[docs] title ${JSON.stringify(title)}, ${operations} operations\n`);
  process.stdout.write(`[docs] requested from ${[...origins].join(' ')}\n`);
  if (!title.startsWith('MyoQA API')) problems.push(`title is ${JSON.stringify(title)}`);
  if (operations < 20) problems.push(`only ${operations} operations rendered`);
  for (const p of ['/api/auth/login', '/api/auth/password', '/api/trainees/{trainee_id}/password']) {
    if (!paths.includes(p)) problems.push(`operation ${p} not shown`);
  }
  const foreign = [...origins].filter((o) => o !== BASE && !o.startsWith('data:'));
  if (foreign.length) problems.push(`requests to other origins: ${foreign.join(', ')}`);
  // Open one operation: its parameters and responses render (the schema was read, not only the shell).
  await page.locator('.opblock-summary-path[data-path="/api/auth/login"]').first().click();
  await page.locator('.opblock-body .responses-wrapper').first().waitFor({ timeout: 10000 });
  if (ART) await page.screenshot({ path: `${ART}/api-docs.png`, fullPage: false });
} catch (err) {
  problems.push(String(err?.stack ?? err));
} finally {
  await browser.close();
}
if (problems.length) {
  process.stdout.write(`DOCS PROBLEMS\n${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('DOCS OK\n');
