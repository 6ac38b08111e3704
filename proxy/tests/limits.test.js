import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';

import { deadUrl, json, request, startProxy, startUpstream, tempDir } from './helpers.js';

const MB = 1024 * 1024;
const TOO_LARGE = { detail: 'The upload is larger than the limit of 1 MB.' };

describe('body size cap', () => {
  let upstream;
  let proxy;

  before(async () => {
    upstream = await startUpstream();
    proxy = await startProxy({ backendUrl: upstream.url, staticDir: tempDir(), maxBodyBytes: MB });
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  test('it accepts a body of exactly the limit', async () => {
    const data = crypto.randomBytes(MB);
    const res = await request(`${proxy.url}/api/uploads/`, { method: 'POST', body: data });
    assert.equal(res.status, 200);
    assert.equal(json(res).bytes, MB);
  });

  test('it answers 413 to a Content-Length over the limit without contacting the backend', async () => {
    const before = upstream.requests.length;
    const res = await request(`${proxy.url}/api/uploads/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: crypto.randomBytes(MB + 1),
    });
    assert.equal(res.status, 413);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.deepEqual(json(res), TOO_LARGE);
    assert.equal(upstream.requests.length, before);
  });

  test('it refuses an over-limit "Expect: 100-continue" upload before the body is sent', async () => {
    const before = upstream.requests.length;
    const req = http.request(`${proxy.url}/api/uploads/`, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Length': 5 * MB, Expect: '100-continue' },
    });
    let continued = false;
    req.on('continue', () => {
      continued = true;
    });
    req.end(); // headers only: the body would follow a 100 Continue
    const [res] = await once(req, 'response');
    res.resume();
    await once(res, 'end');
    req.destroy();
    assert.equal(res.statusCode, 413);
    assert.equal(continued, false);
    assert.equal(upstream.requests.length, before);
  });

  test('it answers 413 to a chunked body that grows over the limit without contacting the backend', async () => {
    const before = upstream.requests.length;
    let stop = false;
    const chunk = crypto.randomBytes(64 * 1024);
    async function* chunks() {
      // Up to 8 MB, stopping once the answer has come.
      for (let i = 0; i < 128 && !stop; i++) {
        yield chunk;
        await new Promise((r) => setImmediate(r));
      }
    }
    const res = await request(`${proxy.url}/api/uploads/chunked-too-large/`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: chunks(),
    }).finally(() => {
      stop = true;
    });
    assert.equal(res.status, 413);
    assert.deepEqual(json(res), TOO_LARGE);
    assert.equal(upstream.requests.length, before, 'a chunked body is counted before the backend sees it');
  });

  test('it counts an over-limit Content-Length on any path, not only /api', async () => {
    const res = await request(`${proxy.url}/some/page`, { method: 'POST', body: crypto.randomBytes(MB + 10) });
    assert.equal(res.status, 413);
  });
});

describe('backend time and availability', () => {
  let upstream;

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
  });

  test('it answers 504 when the backend does not answer in time', async () => {
    const proxy = await startProxy({ backendUrl: upstream.url, staticDir: tempDir(), proxyTimeoutMs: 150 });
    try {
      const started = Date.now();
      const res = await request(`${proxy.url}/api/slow/`);
      assert.equal(res.status, 504);
      assert.deepEqual(json(res), { detail: 'The server took too long to answer.' });
      assert.ok(Date.now() - started < 2000);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.match(proxy.logs.join('\n'), /did not answer within 150 ms/);
    } finally {
      await proxy.close();
    }
  });

  test('it does not time out a slow upload that keeps sending', async () => {
    const proxy = await startProxy({ backendUrl: upstream.url, staticDir: tempDir(), proxyTimeoutMs: 150 });
    try {
      async function* chunks() {
        for (let i = 0; i < 5; i++) {
          yield Buffer.alloc(1000, i);
          await new Promise((r) => setTimeout(r, 80));
        }
      }
      const res = await request(`${proxy.url}/api/uploads/slowly/`, {
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked' },
        body: chunks(),
      });
      assert.equal(res.status, 200);
      assert.equal(json(res).bytes, 5000);
    } finally {
      await proxy.close();
    }
  });

  test('it answers 502 when the backend is not reachable', async () => {
    const proxy = await startProxy({ backendUrl: await deadUrl(), staticDir: tempDir() });
    try {
      const res = await request(`${proxy.url}/api/cases/`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 502);
      assert.deepEqual(json(res), { detail: 'The MyoQA server is not reachable.' });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(proxy.logs.join('\n'), /ECONNREFUSED/);
    } finally {
      await proxy.close();
    }
  });

  test('/healthz answers ok without touching the backend', async () => {
    const proxy = await startProxy({ backendUrl: await deadUrl(), staticDir: tempDir() });
    try {
      const res = await request(`${proxy.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'ok');
      assert.equal(res.headers['cache-control'], 'no-store');
    } finally {
      await proxy.close();
    }
  });
});
