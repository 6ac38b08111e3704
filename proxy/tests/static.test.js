import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SECURITY_HEADERS } from '../server.js';
import { deadUrl, request, startProxy, tempDir } from './helpers.js';

const INDEX = '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-3f9a1c.js"></script></body></html>';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function assertSecurityHeaders(res) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(res.headers[name.toLowerCase()], value, name);
  }
  assert.equal(res.headers['x-powered-by'], undefined);
}

describe('the built front-end', () => {
  let proxy;

  before(async () => {
    const staticDir = tempDir({
      'index.html': INDEX,
      'assets/index-3f9a1c.js': 'console.log("myoqa")',
      'assets/index-77aa01.css': 'body{margin:0}',
      'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    });
    proxy = await startProxy({ backendUrl: await deadUrl(), staticDir });
  });
  after(async () => {
    await proxy.close();
  });

  test('it serves index.html at / with no-cache', async () => {
    const res = await request(`${proxy.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body, INDEX);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(res);
  });

  test('it serves index.html for a client-side route (SPA fallback)', async () => {
    for (const route of ['/cases/12/submit', '/login?next=/cases', '/index.html']) {
      const res = await request(`${proxy.url}${route}`);
      assert.equal(res.status, 200, route);
      assert.equal(res.body, INDEX, route);
      assert.equal(res.headers['cache-control'], 'no-cache', route);
    }
  });

  test('it answers HEAD like GET', async () => {
    const res = await request(`${proxy.url}/cases`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
  });

  test('it serves hashed assets with a year-long immutable cache', async () => {
    const js = await request(`${proxy.url}/assets/index-3f9a1c.js`);
    assert.equal(js.status, 200);
    assert.equal(js.body, 'console.log("myoqa")');
    assert.match(js.headers['content-type'], /javascript/);
    assert.equal(js.headers['cache-control'], IMMUTABLE);
    assertSecurityHeaders(js);
    const css = await request(`${proxy.url}/assets/index-77aa01.css`);
    assert.match(css.headers['content-type'], /^text\/css/);
    assert.equal(css.headers['cache-control'], IMMUTABLE);
  });

  test('it serves other files with no-cache', async () => {
    const res = await request(`${proxy.url}/favicon.svg`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^image\/svg\+xml/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  test('it answers 404, not index.html, for a missing hashed asset', async () => {
    const res = await request(`${proxy.url}/assets/index-000000.js`);
    assert.equal(res.status, 404);
    assertSecurityHeaders(res);
  });

  test('it answers 404 to a non-GET request outside /api', async () => {
    const res = await request(`${proxy.url}/cases`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 404);
    assert.deepEqual(JSON.parse(res.body), { detail: 'Not found.' });
  });

  test('it does not serve files outside STATIC_DIR', async () => {
    const res = await request(`${proxy.url}/%2e%2e/%2e%2e/etc/passwd`);
    assert.ok(res.status === 200 ? res.body === INDEX : res.status >= 400);
  });
});

describe('a front-end that is not built', () => {
  test('it answers 503 with how to build it when index.html is missing', async () => {
    for (const staticDir of [tempDir({ 'assets/old.js': '' }), path.join(tempDir(), 'does-not-exist')]) {
      const proxy = await startProxy({ backendUrl: await deadUrl(), staticDir });
      try {
        const res = await request(`${proxy.url}/cases/1`);
        assert.equal(res.status, 503);
        assert.match(res.headers['content-type'], /^text\/plain/);
        assert.match(res.body, /not built/);
        assert.match(res.body, /npm run build/);
        assert.match(res.body, /frontend\//);
        assertSecurityHeaders(res);
        const health = await request(`${proxy.url}/healthz`);
        assert.equal(health.status, 200);
      } finally {
        await proxy.close();
      }
    }
  });
});
