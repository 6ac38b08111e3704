import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { pickEncoding } from '../server.js';
import { deadUrl, request, startProxy, tempDir } from './helpers.js';

// A script big and repetitive enough to be worth compressing (about 40 kB).
const SCRIPT = 'export const viewer = 1;\n'.repeat(1600);
const SMALL = 'body{margin:0}';

describe('static compression', () => {
  let proxy;

  before(async () => {
    const staticDir = tempDir({
      'index.html': '<!doctype html><html><body></body></html>',
      'assets/viewer-1a2b3c.js': SCRIPT,
      'assets/index-77aa01.css': SMALL,
      'assets/codec-9f9f9f.wasm': Buffer.alloc(4096, 7),
    });
    proxy = await startProxy({ backendUrl: await deadUrl(), staticDir });
  });
  after(async () => {
    await proxy.close();
  });

  test('a script goes out as Brotli when accepted, and decodes to the file byte for byte', async () => {
    const res = await request(`${proxy.url}/assets/viewer-1a2b3c.js`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.match(res.headers['content-type'], /^text\/javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(Number(res.headers['content-length']), res.raw.length);
    assert.ok(res.raw.length < SCRIPT.length / 10, `${res.raw.length} bytes for ${SCRIPT.length}`);
    assert.equal(zlib.brotliDecompressSync(res.raw).toString('utf8'), SCRIPT);
  });

  test('gzip when Brotli is not accepted; the ETag answers 304', async () => {
    const res = await request(`${proxy.url}/assets/viewer-1a2b3c.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(zlib.gunzipSync(res.raw).toString('utf8'), SCRIPT);
    const again = await request(`${proxy.url}/assets/viewer-1a2b3c.js`, {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': res.headers.etag },
    });
    assert.equal(again.status, 304);
  });

  test('wasm codecs are compressed too, with their own type', async () => {
    const res = await request(`${proxy.url}/assets/codec-9f9f9f.wasm`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(res.headers['content-type'], 'application/wasm');
    assert.deepEqual(zlib.brotliDecompressSync(res.raw), Buffer.alloc(4096, 7));
  });

  test('no Accept-Encoding, a tiny file or a missing one: served as before', async () => {
    const plain = await request(`${proxy.url}/assets/viewer-1a2b3c.js`);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, SCRIPT);
    const small = await request(`${proxy.url}/assets/index-77aa01.css`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body, SMALL);
    const missing = await request(`${proxy.url}/assets/nope-000000.js`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(missing.status, 404);
    const escape = await request(`${proxy.url}/assets/..%2f..%2fetc%2fpasswd.js`, { headers: { 'Accept-Encoding': 'br' } });
    assert.notEqual(escape.headers['content-encoding'], 'br');
  });

  test('pickEncoding reads q-values', () => {
    assert.equal(pickEncoding('gzip, br'), 'br');
    assert.equal(pickEncoding('br;q=0, gzip'), 'gzip');
    assert.equal(pickEncoding('identity'), null);
    assert.equal(pickEncoding('*'), 'br');
    assert.equal(pickEncoding(undefined), null);
  });
});
