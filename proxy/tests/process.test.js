import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';

import { deadUrl, request, tempDir } from './helpers.js';

const SERVER = path.join(import.meta.dirname, '..', 'server.js');

function run(env) {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out.stderr += d));
  const exited = once(child, 'exit');
  return { child, out, exited };
}

test('node server.js prints one "ready" line with its URL, serves, and stops on SIGTERM', async () => {
  const backend = await deadUrl();
  const { child, out, exited } = run({
    PORT: '0',
    HOST: '127.0.0.1',
    BACKEND_URL: backend,
    STATIC_DIR: tempDir({ 'index.html': '<!doctype html>' }),
  });
  try {
    const line = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${out.stderr}`)), 5000);
      child.stdout.on('data', () => {
        if (out.stdout.includes('\n')) {
          clearTimeout(timer);
          resolve(out.stdout.split('\n')[0]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out.stderr}`)));
    });
    const match = line.match(/^MyoQA proxy ready on (http:\/\/127\.0\.0\.1:(\d+)) \(backend (.+)\)$/);
    assert.ok(match, line);
    assert.equal(match[3], backend);
    const res = await request(`${match[1]}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(out.stdout.split('\n').filter((l) => l.includes('ready')).length, 1);
});

test('node server.js exits non-zero with a clear message on a bad environment value', async () => {
  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['MAX_BODY_BYTES', '250MB'],
    ['BACKEND_URL', 'ftp://backend'],
  ]) {
    const { out, exited } = run({ [name]: value });
    const [code] = await exited;
    assert.notEqual(code, 0, `${name}=${value}`);
    assert.match(out.stderr, new RegExp(`bad configuration: ${name} `));
    assert.ok(out.stderr.includes(JSON.stringify(value)), out.stderr);
    assert.equal(out.stdout, '');
  }
});
