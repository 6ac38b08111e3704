// MyoQA proxy: serves the built front-end, forwards /api to the Django backend,
// and caps request body size and backend time. See README.md.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const DEFAULTS = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  backendUrl: 'http://127.0.0.1:8000',
  staticDir: path.resolve(HERE, '..', 'frontend', 'dist'),
  maxBodyBytes: 250 * 1024 * 1024, // 262144000: a DICOM series upload
  proxyTimeoutMs: 120_000,
  // Behind the hospital's TLS proxy: keep the X-Forwarded-Proto and client address it sends (see the /api step).
  trustForwarded: false,
});

export const SECURITY_HEADERS = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
    "frame-ancestors 'none'; form-action 'self'",
});

const MESSAGES = {
  unreachable: 'The MyoQA server is not reachable.',
  timeout: 'The server took too long to answer.',
  notBuilt:
    'The MyoQA front-end is not built. Run `npm run build` in frontend/ and reload this page.\n',
};

/** How long an over-limit upload is still read (and discarded) after the 413, so the client sees it. */
const LINGER_MS = 5_000;
/** How long a graceful shutdown waits for open requests before closing them. */
const SHUTDOWN_GRACE_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Configuration: parse and validate, failing loudly with the variable's name and the bad value.
// ---------------------------------------------------------------------------------------------

export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parseInteger(name, raw, { min, max = Number.MAX_SAFE_INTEGER }) {
  const text = String(raw).trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(`${name} must be a whole number ${range}, got ${JSON.stringify(String(raw))}.`);
  }
  return value;
}

function parseBackendUrl(name, raw) {
  let url;
  try {
    url = new URL(String(raw));
  } catch {
    throw new ConfigError(`${name} must be an absolute http:// or https:// URL, got ${JSON.stringify(String(raw))}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http:// or https://, got ${JSON.stringify(String(raw))}.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      `${name} must not contain a query, a fragment or credentials, got ${JSON.stringify(String(raw))}.`,
    );
  }
  return url.href.replace(/\/$/, '');
}

function parseStaticDir(name, raw) {
  const text = String(raw).trim();
  if (!text) throw new ConfigError(`${name} must not be empty.`);
  const dir = path.resolve(text);
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch {
    return dir; // Not built yet: pages answer 503 until it is.
  }
  if (!stat.isDirectory()) {
    throw new ConfigError(`${name} must be a directory, but ${dir} is not.`);
  }
  return dir;
}

function parseBoolean(name, raw) {
  const text = String(raw).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(String(raw))}.`);
}

function parseHost(name, raw) {
  const text = String(raw).trim();
  if (!text || /\s/.test(text)) {
    throw new ConfigError(`${name} must be a host name or IP address, got ${JSON.stringify(String(raw))}.`);
  }
  return text;
}

/**
 * Validate options (as from `loadConfig`) over the defaults.
 * @throws {ConfigError} on a bad value.
 */
export function resolveOptions(options = {}) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  return {
    port: parseInteger('port', o.port, { min: 0, max: 65535 }),
    host: parseHost('host', o.host),
    backendUrl: parseBackendUrl('backendUrl', o.backendUrl),
    staticDir: parseStaticDir('staticDir', o.staticDir),
    maxBodyBytes: parseInteger('maxBodyBytes', o.maxBodyBytes, { min: 1 }),
    proxyTimeoutMs: parseInteger('proxyTimeoutMs', o.proxyTimeoutMs, { min: 1, max: 2_147_483_647 }),
    trustForwarded: typeof o.trustForwarded === 'boolean' ? o.trustForwarded : parseBoolean('trustForwarded', o.trustForwarded),
    spoolDir: o.spoolDir === undefined ? os.tmpdir() : parseStaticDir('spoolDir', o.spoolDir),
    log: typeof o.log === 'function' ? o.log : (...args) => console.error(...args),
  };
}

/**
 * Read the configuration from environment variables. An unset variable takes its default; a set
 * but empty or malformed one is an error.
 * @throws {ConfigError} naming the variable and the bad value.
 */
export function loadConfig(env = process.env) {
  const read = (name, parse, fallback) => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    if (String(raw).trim() === '') throw new ConfigError(`${name} is set but empty; unset it to use the default.`);
    return parse(name, raw);
  };
  return {
    port: read('PORT', (n, v) => parseInteger(n, v, { min: 0, max: 65535 }), DEFAULTS.port),
    host: read('HOST', parseHost, DEFAULTS.host),
    backendUrl: read('BACKEND_URL', parseBackendUrl, DEFAULTS.backendUrl),
    staticDir: read('STATIC_DIR', parseStaticDir, DEFAULTS.staticDir),
    maxBodyBytes: read('MAX_BODY_BYTES', (n, v) => parseInteger(n, v, { min: 1 }), DEFAULTS.maxBodyBytes),
    proxyTimeoutMs: read(
      'PROXY_TIMEOUT_MS',
      (n, v) => parseInteger(n, v, { min: 1, max: 2_147_483_647 }),
      DEFAULTS.proxyTimeoutMs,
    ),
    trustForwarded: read('TRUST_FORWARDED', parseBoolean, DEFAULTS.trustForwarded),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function formatMegabytes(bytes) {
  const mb = bytes / (1024 * 1024);
  return String(mb >= 1 ? Number(mb.toFixed(1)) : Number(mb.toPrecision(2)));
}

function sendJson(res, status, body) {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy(); // too late for a status: cut the response short
    return;
  }
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.setHeader('Cache-Control', 'no-store');
  res.end(payload);
}

function isApiPath(pathname) {
  return pathname === '/api' || pathname.startsWith('/api/');
}

const STATE = Symbol('myoqa.proxy.state');

/** Per-request proxy bookkeeping: the upstream request, the deadline timer and what went wrong. */
function stateOf(req) {
  if (!req[STATE]) {
    req[STATE] = {
      proxyReq: null,
      timer: null,
      tooLarge: false,
      timedOut: false,
      spool: null, // the file a chunked body was read into (sent on with a Content-Length)
      uploadCut: false, // the backend stopped reading the body (it answered early)
      answered: false, // the backend's response has arrived
      answerComplete: false, // ... and has been read to its end
    };
  }
  return req[STATE];
}

function abortUpstream(state) {
  clearTimeout(state.timer);
  if (state.proxyReq && !state.proxyReq.destroyed) state.proxyReq.destroy();
}

/** Write errors of a backend that stopped reading the body and closed: its answer may still be on the way. */
const EARLY_ANSWER_ERRORS = new Set(['EPIPE', 'ECONNRESET']);

/**
 * Keep reading the backend's answer when writing the body to it fails.
 *
 * Django answers some requests (403 for an anonymous upload, 400 for a missing field) without reading the body,
 * and closes the connection: the next write of the body fails (EPIPE / ECONNRESET) while the answer is already
 * in the socket's receive buffer. Node destroys a socket on a write error, which loses that answer (a 502). Here a
 * failed write only stops the upload (the rest is discarded); the socket stays open for reading, so the answer
 * arrives as usual, and a backend that closed without answering still ends in an error (502).
 */
function keepReadingAfterWriteErrors(socket, state) {
  const wrap = (write) =>
    function wrapped(...args) {
      const cb = args.pop();
      return write.call(this, ...args, (err) => {
        if (err && EARLY_ANSWER_ERRORS.has(err.code) && !this.destroyed) {
          state.uploadCut = true;
          cb();
        } else {
          cb(err);
        }
      });
    };
  if (typeof socket._write === 'function') socket._write = wrap(socket._write);
  if (typeof socket._writev === 'function') socket._writev = wrap(socket._writev);
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

// Static compression: text assets (JS, CSS, HTML, SVG, JSON, wasm) go out Brotli- or gzip-compressed when the
// request accepts it (the viewer chunk, cornerstone3D with vtk.js, is 3.6 MB raw, under 1 MB compressed). Each file
// is compressed once per encoding and kept in memory until it changes on disk (size or mtime).

export const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|wasm|txt|map)$/i;
/** Smaller files are sent as they are: compressing them saves less than the headers cost. */
export const MIN_COMPRESS_BYTES = 1024;

const MIME = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The encoding to answer with for an Accept-Encoding header: 'br', 'gzip' or null (q=0 refuses one). */
export function pickEncoding(header) {
  const accepted = new Map();
  for (const part of String(header || '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name.trim(), q ? Number(q.slice(2)) : 1);
  }
  for (const enc of ['br', 'gzip']) {
    const q = accepted.has(enc) ? accepted.get(enc) : accepted.get('*');
    if (q !== undefined && q > 0) return enc;
  }
  return null;
}

/** Brotli level 5: a few hundred ms for the 3.6 MB viewer chunk on one core (level 9 took seconds and delayed the
 * first page with an image), within a few per cent of level 9's size. */
export const BROTLI_QUALITY = 5;

function compress(raw, enc, done) {
  if (enc === 'br') {
    zlib.brotliCompress(raw, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }, done);
  } else {
    zlib.gzip(raw, { level: 6 }, done);
  }
}

function staticCompression(staticDir, assetsDir) {
  const cache = new Map();
  const root = path.resolve(staticDir) + path.sep;
  warmCompression(cache, path.resolve(assetsDir));
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || !COMPRESSIBLE.test(req.path)) {
      return next();
    }
    const enc = pickEncoding(req.headers['accept-encoding']);
    if (!enc) return next();
    let rel;
    try {
      rel = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    const file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    if (!file.startsWith(root)) return next();
    fs.stat(file, (err, st) => {
      if (err || !st.isFile() || st.size < MIN_COMPRESS_BYTES) return next();
      const key = `${enc}:${file}`;
      const etag = `W/"${enc}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const send = (body) => {
        res.setHeader('Content-Type', MIME[path.extname(file).toLowerCase()] || 'application/octet-stream');
        res.setHeader('Content-Encoding', enc);
        res.setHeader('Vary', 'Accept-Encoding');
        res.setHeader('Cache-Control', file.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          return res.end();
        }
        res.setHeader('Content-Length', body.length);
        return req.method === 'HEAD' ? res.end() : res.end(body);
      };
      compressedOnce(cache, key, etag, file, enc).then(send, () => next());
    });
  };
}

/** The compressed file, compressed once per (file, encoding, version); concurrent requests share the work. */
function compressedOnce(cache, key, etag, file, enc) {
  const hit = cache.get(key);
  if (hit && hit.etag === etag) return hit.body;
  const body = fs.promises.readFile(file).then((raw) => new Promise((resolve, reject) => {
    compress(raw, enc, (err, out) => (err ? reject(err) : resolve(out)));
  }));
  body.catch(() => cache.delete(key));
  cache.set(key, { etag, body });
  return body;
}

/** Compresses the built assets in the background at start-up, so that the first page does not wait for it. */
function warmCompression(cache, assetsDir) {
  fs.promises.readdir(assetsDir).then(async (names) => {
    for (const name of names.filter((n) => COMPRESSIBLE.test(n))) {
      const file = path.join(assetsDir, name);
      const st = await fs.promises.stat(file).catch(() => null);
      if (!st || !st.isFile() || st.size < MIN_COMPRESS_BYTES) continue;
      for (const enc of ['br', 'gzip']) {
        const etag = `W/"${enc}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
        await compressedOnce(cache, `${enc}:${file}`, etag, file, enc).catch(() => {});
      }
    }
  }, () => {});
}

/**
 * Build the proxy (not listening yet).
 *
 * @param {object} [options] backendUrl, staticDir, maxBodyBytes, proxyTimeoutMs, log (defaults: DEFAULTS), spoolDir
 *   (where chunked bodies are buffered; default the system's temporary folder, $TMPDIR).
 * @returns {http.Server} call `.listen()` on it; `server.myoqa` holds the resolved options.
 * @throws {ConfigError} on a bad option.
 */
export function createServer(options = {}) {
  const config = resolveOptions(options);
  const { backendUrl, staticDir, maxBodyBytes, proxyTimeoutMs, trustForwarded, spoolDir, log } = config;
  const indexHtml = path.join(staticDir, 'index.html');
  const assetsDir = path.join(staticDir, 'assets') + path.sep;
  const tooLargeBody = { detail: `The upload is larger than the limit of ${formatMegabytes(maxBodyBytes)} MB.` };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Security headers on every response (proxied ones included: see onProxyRes).
  app.use((req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });

  app.get('/healthz', (req, res) => {
    res.set('Cache-Control', 'no-store').type('text/plain').send('ok');
  });

  /** Answer 413 for an over-limit body, then read and discard the rest for a while so the client sees it. */
  function rejectTooLarge(req, res) {
    sendJson(res, 413, tooLargeBody);
    req.resume();
    if (!req.complete) {
      const linger = setTimeout(() => req.socket.destroy(), LINGER_MS);
      linger.unref();
      req.once('end', () => clearTimeout(linger));
      req.once('close', () => clearTimeout(linger));
    }
  }

  // Body cap, announced size: reject before the backend is contacted.
  app.use((req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      rejectTooLarge(req, res);
      return;
    }
    next();
  });

  // /api: set the forwarding headers, count the streamed body and start the deadline.
  app.use((req, res, next) => {
    if (!isApiPath(req.path)) {
      next();
      return;
    }
    const state = stateOf(req);

    // This proxy is the edge: overwrite whatever the client claims. Host itself is kept as is. Behind the
    // hospital's TLS proxy (trustForwarded, TRUST_FORWARDED=true), that proxy is the edge: its X-Forwarded-Proto
    // (https: Django's secure cookies and SSL redirect) and the client address it names first are kept.
    const encrypted = Boolean(req.socket.encrypted);
    const ownProto = encrypted ? 'https' : 'http';
    const claimedProto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
    const claimedFor = String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim();
    req.headers['x-forwarded-for'] = (trustForwarded && claimedFor) || (req.socket.remoteAddress ?? '');
    req.headers['x-forwarded-host'] = req.headers.host ?? '';
    req.headers['x-forwarded-proto'] =
      trustForwarded && (claimedProto === 'https' || claimedProto === 'http') ? claimedProto : ownProto;
    // Node already answered any "Expect: 100-continue"; do not ask the backend again.
    delete req.headers.expect;

    // The backend must answer within proxyTimeoutMs of the last byte exchanged with it.
    state.timer = setTimeout(() => {
      state.timedOut = true;
      abortUpstream(state);
      if (!state.proxyReq) sendJson(res, 504, { detail: MESSAGES.timeout });
    }, proxyTimeoutMs);
    state.timer.unref();
    res.once('close', () => clearTimeout(state.timer));

    // Count the body as it streams (chunked bodies have no Content-Length to check up front).
    // The listener is added paused: data flows only once the proxy pipes the request upstream,
    // and this listener sees every chunk.
    let received = 0;
    req.on('data', (chunk) => {
      state.timer.refresh();
      received += chunk.length;
      if (received > maxBodyBytes && !state.tooLarge) {
        state.tooLarge = true;
        req.unpipe();
        abortUpstream(state);
        // The pipe pauses the request after a failed write; resume it after that.
        setImmediate(() => rejectTooLarge(req, res));
      }
    });
    req.pause();
    next();
  });

  // A chunked body (no Content-Length) is read into a temporary file first, counted against the cap, and sent on
  // with a Content-Length: Django (WSGI) reads a body only up to its Content-Length, so without one it would see
  // an empty body and answer "please choose the file" before a byte of an oversized upload was counted.
  app.use((req, res, next) => {
    if (!isApiPath(req.path) || req.headers['content-length'] !== undefined || !req.headers['transfer-encoding']) {
      next();
      return;
    }
    const state = stateOf(req);
    const dir = fs.mkdtempSync(path.join(spoolDir, 'myoqa-proxy-body-'));
    const file = path.join(dir, 'body');
    const out = fs.createWriteStream(file);
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      out.destroy();
      fs.rm(dir, { recursive: true, force: true }, () => {});
    };
    res.once('close', remove);
    req.once('close', () => {
      if (!req.complete) remove();
    });
    let size = 0;
    req.on('data', (chunk) => {
      if (state.tooLarge) {
        remove();
        return;
      }
      size += chunk.length;
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => {
          if (!state.tooLarge) req.resume();
        });
      }
    });
    req.once('end', () => {
      if (state.tooLarge || removed) return;
      out.end(() => {
        if (state.tooLarge || removed || res.writableEnded) return;
        req.headers['content-length'] = String(size);
        delete req.headers['transfer-encoding'];
        state.spool = file;
        next();
      });
    });
    out.once('error', (err) => {
      log(`proxy: ${req.method} ${req.originalUrl}: cannot buffer the upload: ${err.message}`);
      remove();
      req.resume();
      sendJson(res, 503, { detail: 'The server cannot take the upload now; please try again in a few minutes.' });
    });
    req.resume();
  });

  const apiProxy = createProxyMiddleware({
    target: backendUrl,
    pathFilter: (pathname) => isApiPath(pathname),
    changeOrigin: false, // keep the browser's Host: Django's CSRF origin check compares against it
    xfwd: false, // set above, overwriting client-supplied values
    // One connection per request ("Connection: close" upstream): no race with the backend closing
    // an idle keep-alive connection just as it is reused.
    agent: false,
    on: {
      proxyReq(proxyReq, req) {
        const state = stateOf(req);
        state.proxyReq = proxyReq;
        if (state.tooLarge || state.timedOut) {
          proxyReq.destroy();
          return;
        }
        if (proxyReq.socket) keepReadingAfterWriteErrors(proxyReq.socket, state);
        proxyReq.once('response', () => {
          state.answered = true;
        });
        if (state.spool) {
          // The request was read to its end already: the proxy's pipe from it would end this request at once.
          // Hold that end until the buffered body has been written.
          const end = proxyReq.end;
          proxyReq.end = function heldEnd() {
            return this;
          };
          const body = fs.createReadStream(state.spool);
          body.on('data', () => state.timer?.refresh());
          body.once('end', () => {
            proxyReq.end = end;
            proxyReq.end();
          });
          body.once('error', (err) => proxyReq.destroy(err));
          body.pipe(proxyReq, { end: false });
        }
      },
      proxyRes(proxyRes, req, res) {
        const state = stateOf(req);
        state.answered = true;
        state.timer?.refresh();
        proxyRes.on('data', () => state.timer?.refresh());
        proxyRes.once('end', () => {
          state.answerComplete = true;
          clearTimeout(state.timer);
        });
        if (state.uploadCut || !req.complete) {
          // An early answer: the rest of the body is not for the backend. Read and discard it (Node does once
          // the response has ended) so that the client, still sending, gets to see the answer.
          req.unpipe();
        }
        res.once('close', () => {
          if (!res.writableEnded) proxyRes.destroy();
        });
        // Our headers win over the backend's; do not reveal the backend's software.
        for (const name of Object.keys(SECURITY_HEADERS)) delete proxyRes.headers[name.toLowerCase()];
        delete proxyRes.headers['x-powered-by'];
        delete proxyRes.headers.server;
      },
      error(err, req, res) {
        const state = stateOf(req);
        if (state.answerComplete) return; // the backend answered in full, then closed while the body was sent
        clearTimeout(state.timer);
        if (state.tooLarge || res?.writableEnded) return; // answered already (413, or 504 before connecting)
        if (typeof res?.writeHead !== 'function') return; // not an HTTP response (no WebSockets here)
        if (state.timedOut) {
          log(`proxy: ${req.method} ${req.originalUrl ?? req.url}: backend did not answer within ${proxyTimeoutMs} ms`);
          sendJson(res, 504, { detail: MESSAGES.timeout });
        } else {
          log(`proxy: ${req.method} ${req.originalUrl ?? req.url}: backend error ${err.code ?? err.message}`);
          sendJson(res, 502, { detail: MESSAGES.unreachable });
        }
      },
    },
  });
  app.use(apiProxy);

  // Static files: compressed (Brotli, else gzip) when the browser accepts it; then served as they are.
  app.use(staticCompression(staticDir, assetsDir));

  // Static files: hashed assets cached for a year, everything else revalidated.
  app.use(
    express.static(staticDir, {
      index: false,
      redirect: false,
      etag: true,
      lastModified: true,
      cacheControl: false,
      setHeaders(res, filePath) {
        res.setHeader(
          'Cache-Control',
          filePath.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );

  // SPA fallback: any other GET that is not /api and not a missing hashed asset gets index.html.
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || req.path.startsWith('/assets/')) {
      next();
      return;
    }
    res.sendFile(indexHtml, { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } }, (err) => {
      if (!err) return;
      if (res.headersSent) return;
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.status === 404) {
        res.status(503).set('Cache-Control', 'no-store').type('text/plain').send(MESSAGES.notBuilt);
      } else {
        next(err);
      }
    });
  });

  app.use((req, res) => {
    sendJson(res, 404, { detail: 'Not found.' });
  });

  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    log(`proxy: ${req.method} ${req.originalUrl}: ${err.stack ?? err}`);
    sendJson(res, err.status && err.status < 500 ? err.status : 500, { detail: 'Internal error in the proxy.' });
  });

  const server = http.createServer(app);
  // Answer "Expect: 100-continue" ourselves so an over-limit upload is refused before it is sent.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > maxBodyBytes)) res.writeContinue();
    app(req, res);
  });
  // Large uploads on slow links may take long: no cap on the whole request, only on idleness.
  server.requestTimeout = 0;
  server.timeout = Math.min(proxyTimeoutMs + 10_000, 2_147_483_647);
  server.myoqa = config;
  return server;
}

// ---------------------------------------------------------------------------------------------
// Run directly: node server.js
// ---------------------------------------------------------------------------------------------

function displayUrl(address) {
  const { address: host, port } = address;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function start(config = loadConfig()) {
  const server = createServer(config);
  if (!fs.existsSync(path.join(server.myoqa.staticDir, 'index.html'))) {
    console.error(
      `warning: ${server.myoqa.staticDir} has no index.html; pages answer 503 until the front-end is built ` +
        '(npm run build in frontend/).',
    );
  }
  server.on('error', (err) => {
    console.error(`MyoQA proxy cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    console.log(`MyoQA proxy ready on ${displayUrl(server.address())} (backend ${server.myoqa.backendUrl})`);
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    console.error(`MyoQA proxy stopping (${signal})`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    start();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`MyoQA proxy: bad configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
