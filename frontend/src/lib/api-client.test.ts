import { describe, expect, it } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { api, ApiError, apiJson, errorFromBody, readCookie } from './api-client';

describe('api client', () => {
  it('sends the CSRF token from the csrftoken cookie on a POST, with credentials included', async () => {
    document.cookie = 'sessionid=abc';
    document.cookie = 'csrftoken=tok%2B123';
    const { calls } = mockFetch({ 'POST /api/cohorts/': { status: 201, json: { id: 1, name: 'A' } } });
    const out = await api.post<{ id: number }>('/api/cohorts/', { name: 'A' });
    expect(out.id).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0].headers['x-csrftoken']).toBe('tok+123');
    expect(calls[0].credentials).toBe('include');
    expect(calls[0].headers['content-type']).toBe('application/json');
    expect(calls[0].body).toBe(JSON.stringify({ name: 'A' }));
  });

  it('sends the CSRF header on PATCH and DELETE, and credentials but no CSRF header on GET', async () => {
    document.cookie = 'csrftoken=xyz';
    const { calls } = mockFetch({
      'GET /api/auth/me': { json: { user: null } },
      'PATCH /api/datasets/1': { json: {} },
      'DELETE /api/cohorts/1/trainees/2': { json: {} },
    });
    await api.get('/api/auth/me');
    await api.patch('/api/datasets/1', { name: 'x' });
    await api.delete('/api/cohorts/1/trainees/2');
    expect(calls[0].credentials).toBe('include');
    expect(calls[0].headers['x-csrftoken']).toBeUndefined();
    expect(calls[1].headers['x-csrftoken']).toBe('xyz');
    expect(calls[2].headers['x-csrftoken']).toBe('xyz');
  });

  it('sends FormData as multipart without setting a Content-Type itself', async () => {
    document.cookie = 'csrftoken=form';
    const { calls } = mockFetch({ 'POST /api/submissions/': { status: 201, json: { id: 9 } } });
    const fd = new FormData();
    fd.append('case', '3');
    await apiJson('/api/submissions/', { method: 'POST', body: fd });
    expect(calls[0].body).toBe(fd);
    expect(calls[0].headers['content-type']).toBeUndefined();
    expect(calls[0].headers['x-csrftoken']).toBe('form');
  });

  it('extracts the detail and field from a 400 JSON answer', async () => {
    mockFetch({
      'POST /api/submissions/': {
        status: 400,
        json: { detail: 'The SAV file has no ENDO_X/EPI_X arrays; found MASK (100, 100).', field: 'contours' },
      },
    });
    const err = await api.post('/api/submissions/', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).detail).toBe('The SAV file has no ENDO_X/EPI_X arrays; found MASK (100, 100).');
    expect((err as ApiError).field).toBe('contours');
    expect((err as ApiError).message).toBe((err as ApiError).detail);
  });

  it('reads a DRF field-error body and falls back to a plain message for a non-JSON error', async () => {
    expect(errorFromBody(400, { title: ['This field is required.'] }, 'x').detail).toBe('title: This field is required.');
    expect(errorFromBody(400, { title: ['This field is required.'] }, 'x').field).toBe('title');
    mockFetch({ 'GET /api/cases/1': { status: 502, body: '<html>bad gateway</html>' } });
    const err = (await api.get('/api/cases/1').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.detail).toMatch(/server/i);
  });

  it('returns undefined for 204 No Content', async () => {
    mockFetch({ 'POST /api/auth/logout': { status: 204 } });
    await expect(api.post('/api/auth/logout')).resolves.toBeUndefined();
  });

  it('reads a cookie among others', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=abc; b=2')).toBe('abc');
    expect(readCookie('csrftoken', 'a=1')).toBeNull();
  });
});
