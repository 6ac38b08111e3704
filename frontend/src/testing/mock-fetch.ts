import { vi } from 'vitest';

export type Recorded = { url: string; method: string; headers: Record<string, string>; body: unknown; credentials?: RequestCredentials };

type Reply = { status?: number; json?: unknown; body?: BodyInit | null; headers?: Record<string, string> };
type Handler = (req: Recorded) => Reply | Promise<Reply>;

/** A fetch stub: `routes` maps "METHOD /path" (query string ignored unless given) to a reply or a handler. */
export function mockFetch(routes: Record<string, Reply | Handler>) {
  const calls: Recorded[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const rec: Recorded = { url, method, headers, body: init.body, credentials: init.credentials };
    calls.push(rec);
    const path = url.split('?')[0];
    const route = routes[`${method} ${url}`] ?? routes[`${method} ${path}`];
    if (!route) return new Response(JSON.stringify({ detail: `no mock for ${method} ${url}` }), { status: 404 });
    const reply = typeof route === 'function' ? await route(rec) : route;
    const status = reply.status ?? 200;
    if (reply.json !== undefined) {
      return new Response(JSON.stringify(reply.json), { status, headers: { 'Content-Type': 'application/json', ...reply.headers } });
    }
    return new Response(reply.body ?? null, { status, headers: reply.headers });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}
