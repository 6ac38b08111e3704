/**
 * The one API client: relative URLs under /api, session cookies sent, and the X-CSRFToken header taken from the
 * `csrftoken` cookie on every unsafe method (Django's CSRF protection; see docs/api.md and architecture convention 9).
 */

export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'X-CSRFToken';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An HTTP error with the server's one-line `detail` (and the form `field` it concerns, when given). */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly field: string | null;

  constructor(status: number, detail: string, field: string | null = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.field = field;
  }
}

export function readCookie(name: string, source: string = typeof document === 'undefined' ? '' : document.cookie): string | null {
  for (const part of source.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}

function firstMessage(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const m = firstMessage(v);
      if (m) return m;
    }
  }
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      const m = firstMessage(v);
      if (m) return m;
    }
  }
  return null;
}

/** The server's message from an error body: `{"detail", "field"}` per the contract, or DRF's `{"field": ["msg"]}`. */
export function errorFromBody(status: number, body: unknown, fallback: string): ApiError {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    const field = typeof obj.field === 'string' ? obj.field : null;
    if (typeof obj.detail === 'string' && obj.detail) {
      return new ApiError(status, obj.detail, field);
    }
    for (const [key, value] of Object.entries(obj)) {
      const m = firstMessage(value);
      if (m) {
        const label = key === 'non_field_errors' ? '' : `${key}: `;
        return new ApiError(status, `${label}${m}`, key === 'non_field_errors' ? field : key);
      }
    }
  }
  return new ApiError(status, fallback, null);
}

function fallbackMessage(status: number, statusText: string): string {
  if (status === 404) return 'Not found, or you do not have access to it.';
  if (status === 413) return 'The upload is too large.';
  if (status >= 500) return `The server had a problem (${status}). Please try again in a moment.`;
  return statusText ? `${status} ${statusText}` : `Request failed (${status}).`;
}

export type RequestOptions = {
  method?: string;
  /** A plain object is sent as JSON; FormData as multipart (the browser sets the boundary). */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

/** Sends one request with cookies and, for unsafe methods, the CSRF header. Throws ApiError on a non-2xx answer. */
export async function apiFetch(url: string, options: RequestOptions = {}): Promise<Response> {
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (UNSAFE.has(method)) {
    const token = readCookie(CSRF_COOKIE);
    if (token) headers[CSRF_HEADER] = token;
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'include', signal: options.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    let parsed: unknown;
    try {
      const text = await response.text();
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    throw errorFromBody(response.status, parsed, fallbackMessage(response.status, response.statusText));
  }
  return response;
}

/** JSON request; resolves to undefined for 204 No Content. */
export async function apiJson<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiFetch(url, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(url: string, signal?: AbortSignal) => apiJson<T>(url, { signal }),
  post: <T>(url: string, body?: unknown) => apiJson<T>(url, { method: 'POST', body }),
  patch: <T>(url: string, body?: unknown) => apiJson<T>(url, { method: 'PATCH', body }),
  put: <T>(url: string, body?: unknown) => apiJson<T>(url, { method: 'PUT', body }),
  delete: <T>(url: string) => apiJson<T>(url, { method: 'DELETE' }),
};

/** A user-facing message for any error thrown by a fetcher. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
