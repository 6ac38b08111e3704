// Early answers and chunked bodies: the backend's own 4xx reaches the client even when the backend answers before
// reading the body and closes; a chunked body is counted against the cap before the backend sees any of it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { json, request, sha256, startProxy, startUpstream, tempDir } from './helpers.js';

const MB = 1024 * 1024;
const FORBIDDEN = { detail: 'Authentication credentials were not provided.' };
const NO_IMAGE = { detail: 'Please choose the DICOM image.' };

/**
 * A backend like gunicorn + Django for a request it refuses on its headers: it reads the headers only, writes its
 * answer (or none) and closes the connection with the body unread (the kernel then resets the connection).
 * `answer(headers)` gives [status, body] or null for a close without an answer.
 */
async function startEarlyBackend(answer) {
  const seen = [];
  const server = net.createServer((socket) => {
    let head = Buffer.alloc(0);
    let done = false;
    socket.on('error', () => {});
    socket.on('data', (data) => {
      if (done) return;
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      done = true;
      socket.pause();
      const headers = head.subarray(0, end).toString('latin1').toLowerCase();
      seen.push(headers);
      const reply = answer(headers);
      if (reply === null) {
        socket.destroy();
        return;
      }
      const [status, body] = reply;
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}` +
          `\r\nConnection: close\r\n\r\n${text}`,
        () => socket.destroy(), // close at once, the body unread: a reset, as the security test saw (EPIPE)
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SPOOL = tempDir();

function bodyTempDirs() {
  return fs.readdirSync(SPOOL).filter((n) => n.startsWith('myoqa-proxy-body-'));
}

describe('early answers of the backend', () => {
  test('an upload the backend refuses on its headers gets the backend 403, not a 502, every time', async () => {
    const backend = await startEarlyBackend(() => [403, FORBIDDEN]);
    const proxy = await startProxy({ backendUrl: backend.url, staticDir: tempDir() });
    try {
      const data = crypto.randomBytes(8 * MB);
      const statuses = [];
      for (let i = 0; i < 20; i++) {
        const res = await request(`${proxy.url}/api/submissions/`, {
          method: 'POST',
          headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
          body: data,
        });
        statuses.push(res.status);
        assert.deepEqual(json(res), FORBIDDEN);
      }
      assert.deepEqual(statuses, Array(20).fill(403));
      assert.deepEqual(proxy.logs, []);
    } finally {
      await proxy.close();
      await backend.close();
    }
  });

  test('a chunked upload the backend refuses early also gets the backend answer', async () => {
    const backend = await startEarlyBackend(() => [403, FORBIDDEN]);
    const proxy = await startProxy({ backendUrl: backend.url, staticDir: tempDir() });
    try {
      const chunk = crypto.randomBytes(256 * 1024);
      async function* chunks() {
        for (let i = 0; i < 16; i++) yield chunk;
      }
      const res = await request(`${proxy.url}/api/submissions/`, {
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked' },
        body: chunks(),
      });
      assert.equal(res.status, 403);
      assert.deepEqual(json(res), FORBIDDEN);
    } finally {
      await proxy.close();
      await backend.close();
    }
  });

  test('a backend that closes without answering while the body is sent is still a 502', async () => {
    const backend = await startEarlyBackend(() => null);
    const proxy = await startProxy({ backendUrl: backend.url, staticDir: tempDir() });
    try {
      const res = await request(`${proxy.url}/api/submissions/`, { method: 'POST', body: crypto.randomBytes(4 * MB) });
      assert.equal(res.status, 502);
      assert.deepEqual(json(res), { detail: 'The MyoQA server is not reachable.' });
    } finally {
      await proxy.close();
      await backend.close();
    }
  });
});

describe('chunked bodies', () => {
  let upstream;
  let proxy;

  before(async () => {
    upstream = await startUpstream();
    proxy = await startProxy({ backendUrl: upstream.url, staticDir: tempDir(), maxBodyBytes: MB, spoolDir: SPOOL });
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  test('a chunked body is sent on whole, with a Content-Length, and its temporary file is removed', async () => {
    const parts = [crypto.randomBytes(300 * 1024), crypto.randomBytes(200 * 1024), crypto.randomBytes(7)];
    async function* chunks() {
      for (const p of parts) yield p;
    }
    const res = await request(`${proxy.url}/api/uploads/`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/octet-stream' },
      body: chunks(),
    });
    assert.equal(res.status, 200);
    const seen = json(res);
    const whole = Buffer.concat(parts);
    assert.equal(seen.bytes, whole.length);
    assert.equal(seen.sha256, sha256(whole));
    assert.equal(seen.headers['content-length'], String(whole.length));
    assert.equal(seen.headers['transfer-encoding'], undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(bodyTempDirs(), []);
  });

  test('a chunked upload over the limit gets 413 with a sentence, not the answer to an empty body', async () => {
    // Django would answer an empty body (what it reads of a body without Content-Length) with "choose the image".
    const backend = await startEarlyBackend(() => [400, NO_IMAGE]);
    const limited = await startProxy({
      backendUrl: backend.url,
      staticDir: tempDir(),
      maxBodyBytes: MB,
      spoolDir: SPOOL,
    });
    try {
      let stop = false;
      const chunk = crypto.randomBytes(64 * 1024);
      async function* chunks() {
        for (let i = 0; i < 64 && !stop; i++) {
          yield chunk; // up to 4 MB: 4 times the limit, as 270 MiB is to 250 MiB
          await new Promise((r) => setImmediate(r));
        }
      }
      const res = await request(`${limited.url}/api/submissions/`, {
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'multipart/form-data; boundary=x' },
        body: chunks(),
      }).finally(() => {
        stop = true;
      });
      assert.equal(res.status, 413);
      assert.deepEqual(json(res), { detail: 'The upload is larger than the limit of 1 MB.' });
      assert.equal(backend.seen.length, 0, 'the backend never saw the oversized upload');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(bodyTempDirs(), []);
    } finally {
      await limited.close();
      await backend.close();
    }
  });
});
