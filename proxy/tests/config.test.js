import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { ConfigError, DEFAULTS, createServer, formatMegabytes, loadConfig } from '../server.js';
import { tempDir } from './helpers.js';

describe('configuration from the environment', () => {
  test('it uses the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.backendUrl, 'http://127.0.0.1:8000');
    assert.equal(config.staticDir, path.resolve(import.meta.dirname, '..', '..', 'frontend', 'dist'));
    assert.equal(config.maxBodyBytes, 262144000);
    assert.equal(config.proxyTimeoutMs, 120000);
    assert.deepEqual(config, { ...DEFAULTS });
  });

  test('it reads every variable', () => {
    const dir = tempDir();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      BACKEND_URL: 'https://api.internal:8443/',
      STATIC_DIR: dir,
      MAX_BODY_BYTES: '1048576',
      PROXY_TIMEOUT_MS: '500',
      TRUST_FORWARDED: 'true',
    });
    assert.deepEqual(config, {
      port: 0,
      host: '127.0.0.1',
      backendUrl: 'https://api.internal:8443',
      staticDir: dir,
      maxBodyBytes: 1048576,
      proxyTimeoutMs: 500,
      trustForwarded: true,
    });
  });

  const bad = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', ''],
    ['HOST', ' '],
    ['BACKEND_URL', 'localhost:8000'],
    ['BACKEND_URL', 'ftp://127.0.0.1'],
    ['BACKEND_URL', 'http://127.0.0.1:8000/?x=1'],
    ['MAX_BODY_BYTES', '250MB'],
    ['MAX_BODY_BYTES', '0'],
    ['MAX_BODY_BYTES', '1e9'],
    ['PROXY_TIMEOUT_MS', '0'],
    ['PROXY_TIMEOUT_MS', 'soon'],
    ['TRUST_FORWARDED', 'maybe'],
  ];
  for (const [name, value] of bad) {
    test(`it rejects ${name}=${JSON.stringify(value)} with a message naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err) => err instanceof ConfigError && err.message.includes(name),
      );
    });
  }

  test('it rejects a STATIC_DIR that is a file', () => {
    const file = path.join(tempDir({ 'x.txt': 'x' }), 'x.txt');
    assert.ok(fs.statSync(file).isFile());
    assert.throws(() => loadConfig({ STATIC_DIR: file }), /STATIC_DIR must be a directory/);
  });

  test('createServer validates its options too', () => {
    assert.throws(() => createServer({ maxBodyBytes: -5 }), ConfigError);
    assert.throws(() => createServer({ backendUrl: 'nope' }), ConfigError);
  });

  test('it words the limit in MB', () => {
    assert.equal(formatMegabytes(262144000), '250');
    assert.equal(formatMegabytes(1048576), '1');
    assert.equal(formatMegabytes(1.5 * 1048576), '1.5');
    assert.equal(formatMegabytes(1000), '0.00095');
  });
});
