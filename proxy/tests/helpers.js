// Test helpers: a fake Django upstream, a proxy on an ephemeral port, and a small HTTP client.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { createServer } from '../server.js';

export const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A fake backend. Every request is recorded in `requests` (and emitted as 'request-done' once its
 * body has ended or been cut short). Routes: /api/slow never answers; anything else echoes.
 */
export async function startUpstream() {
  const events = new EventEmitter();
  const requests = [];
  const server = http.createServer((req, res) => {
    const record = { method: req.method, url: req.url, headers: req.headers, bytes: 0, complete: false };
    requests.push(record);
    events.emit('request', record);
    const hash = crypto.createHash('sha256');
    req.on('data', (chunk) => {
      record.bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('close', () => {
      record.complete = req.complete;
      events.emit('request-done', record);
    });
    req.on('error', () => {});
    req.on('end', () => {
      record.sha256 = hash.digest('hex');
      if (req.url.startsWith('/api/slow')) return; // never answers
      const body = JSON.stringify(record);
      res.writeHead(req.url.startsWith('/api/created') ? 201 : 200, {
        'Content-Type': 'application/json',
        'Set-Cookie': ['sessionid=abc123; HttpOnly; Path=/; SameSite=Lax', 'csrftoken=tok456; Path=/; SameSite=Lax'],
        'X-Frame-Options': 'SAMEORIGIN',
        Server: 'WSGIServer/0.2 CPython/3.12',
        'X-Powered-By': 'Django',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  const url = await listen(server);
  return { url, server, requests, events, close: () => close(server) };
}

/** The proxy on an ephemeral port; `log` lines are collected instead of printed. */
export async function startProxy(options = {}) {
  const logs = [];
  const server = createServer({ log: (line) => logs.push(line), ...options });
  const url = await listen(server);
  return { url, server, logs, close: () => close(server) };
}

/** A URL on which nothing listens. */
export async function deadUrl() {
  const server = http.createServer();
  const url = await listen(server);
  await close(server);
  return url;
}

export function tempDir(files = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'myoqa-proxy-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/**
 * One HTTP request on its own connection. `body` may be a Buffer/string (sent with Content-Length
 * unless headers say otherwise) or an async iterable of chunks (sent chunked).
 * Resolves {status, headers, body (string), raw (Buffer)}.
 */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, raw, body: raw.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) {
      req.end();
    } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      (async () => {
        for await (const chunk of body) {
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(reject);
    }
  });
}

export const json = (response) => JSON.parse(response.body);
