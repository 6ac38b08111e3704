import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { SECURITY_HEADERS } from '../server.js';
import { json, request, sha256, startProxy, startUpstream, tempDir } from './helpers.js';

describe('forwarding /api to the backend', () => {
  let upstream;
  let proxy;

  before(async () => {
    upstream = await startUpstream();
    proxy = await startProxy({ backendUrl: upstream.url, staticDir: tempDir({ 'index.html': '<!doctype html>' }) });
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  test('it forwards a GET with its path, query, cookies and Host unchanged', async () => {
    const res = await request(`${proxy.url}/api/cases/12/images/?page=2&q=t1%20map`, {
      headers: { Host: 'myoqa.hospital.local:8080', Cookie: 'sessionid=abc123; csrftoken=tok456' },
    });
    assert.equal(res.status, 200);
    const seen = json(res);
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/api/cases/12/images/?page=2&q=t1%20map');
    assert.equal(seen.headers.cookie, 'sessionid=abc123; csrftoken=tok456');
    assert.equal(seen.headers.host, 'myoqa.hospital.local:8080');
  });

  test('it forwards a POST with its body, X-CSRFToken, Origin and Referer unchanged', async () => {
    const body = JSON.stringify({ case: 12, note: 'é ✓' });
    const res = await request(`${proxy.url}/api/created/submissions/`, {
      method: 'POST',
      headers: {
        Host: 'myoqa.hospital.local',
        'Content-Type': 'application/json',
        Cookie: 'sessionid=abc123; csrftoken=tok456',
        'X-CSRFToken': 'tok456',
        Origin: 'http://myoqa.hospital.local',
        Referer: 'http://myoqa.hospital.local/cases/12',
      },
      body,
    });
    assert.equal(res.status, 201);
    const seen = json(res);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/api/created/submissions/');
    assert.equal(seen.headers['x-csrftoken'], 'tok456');
    assert.equal(seen.headers.cookie, 'sessionid=abc123; csrftoken=tok456');
    assert.equal(seen.headers.origin, 'http://myoqa.hospital.local');
    assert.equal(seen.headers.referer, 'http://myoqa.hospital.local/cases/12');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.sha256, sha256(Buffer.from(body)));
  });

  test('it passes the backend Set-Cookie headers back unchanged', async () => {
    const res = await request(`${proxy.url}/api/auth/login/`, { method: 'POST', body: '{}' });
    assert.deepEqual(res.headers['set-cookie'], [
      'sessionid=abc123; HttpOnly; Path=/; SameSite=Lax',
      'csrftoken=tok456; Path=/; SameSite=Lax',
    ]);
  });

  test('it sets X-Forwarded-For, -Host and -Proto, overwriting what the client claims', async () => {
    const res = await request(`${proxy.url}/api/whoami/`, {
      headers: {
        Host: 'myoqa.hospital.local',
        'X-Forwarded-For': '6.6.6.6',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
      },
    });
    const { headers } = json(res);
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-host'], 'myoqa.hospital.local');
    assert.equal(headers['x-forwarded-proto'], 'http');
  });

  test('behind the hospital TLS proxy (TRUST_FORWARDED) it keeps that proxy\'s scheme and client address', async () => {
    const trusting = await startProxy({
      backendUrl: upstream.url,
      staticDir: tempDir({ 'index.html': '<!doctype html>' }),
      trustForwarded: true,
    });
    try {
      const forwarded = {
        Host: 'myoqa.hospital.local',
        'X-Forwarded-For': '10.20.30.40, 10.0.0.1',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
      };
      let { headers } = json(await request(`${trusting.url}/api/whoami/`, { headers: forwarded }));
      assert.equal(headers['x-forwarded-proto'], 'https');
      assert.equal(headers['x-forwarded-for'], '10.20.30.40');
      assert.equal(headers['x-forwarded-host'], 'myoqa.hospital.local');
      // Nothing (or nonsense) claimed: its own view, as without the setting.
      ({ headers } = json(
        await request(`${trusting.url}/api/whoami/`, { headers: { 'X-Forwarded-Proto': 'gopher' } }),
      ));
      assert.equal(headers['x-forwarded-proto'], 'http');
      assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    } finally {
      await trusting.close();
    }
  });

  test('it streams a multi-megabyte chunked upload to the backend intact', async () => {
    const data = crypto.randomBytes(6 * 1024 * 1024 + 123);
    async function* chunks() {
      for (let i = 0; i < data.length; i += 256 * 1024) yield data.subarray(i, i + 256 * 1024);
    }
    const res = await request(`${proxy.url}/api/uploads/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
      body: chunks(),
    });
    assert.equal(res.status, 200);
    const seen = json(res);
    assert.equal(seen.bytes, data.length);
    assert.equal(seen.sha256, sha256(data));
  });

  test('it streams a multi-megabyte upload with Content-Length to the backend intact', async () => {
    const data = crypto.randomBytes(5 * 1024 * 1024 + 7);
    const res = await request(`${proxy.url}/api/uploads/`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/dicom', 'Content-Length': data.length },
      body: data,
    });
    const seen = json(res);
    assert.equal(seen.bytes, data.length);
    assert.equal(seen.headers['content-length'], String(data.length));
    assert.equal(seen.sha256, sha256(data));
  });

  test('it puts its own security headers on proxied responses and hides the backend software', async () => {
    const res = await request(`${proxy.url}/api/echo/`);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      assert.equal(res.headers[name.toLowerCase()], value, name);
    }
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers.server, undefined);
  });

  test('it forwards only /api: /apix and /admin/ are not sent to the backend', async () => {
    const before = upstream.requests.length;
    const apix = await request(`${proxy.url}/apix`, { method: 'POST', body: 'x' });
    const admin = await request(`${proxy.url}/admin/`, { method: 'POST', body: 'x' });
    assert.equal(apix.status, 404);
    assert.equal(admin.status, 404);
    assert.equal(upstream.requests.length, before);
  });

  test('it forwards /api itself', async () => {
    const res = await request(`${proxy.url}/api`);
    assert.equal(json(res).url, '/api');
  });
});
