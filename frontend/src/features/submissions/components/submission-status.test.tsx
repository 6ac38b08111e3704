import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { submission } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { pollDelay, useSubmission } from '../api/get-submission';
import { SubmissionStatusLine } from './submission-status';

function Probe({ id }: { id: number }) {
  const q = useSubmission(id, { pollIntervalMs: 15 });
  return q.data ? <SubmissionStatusLine submission={q.data} /> : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('submission status polling', () => {
  it('polls only the status while queued or running, fetches the attempt when it changes, and stops once done', async () => {
    const sequence = ['queued', 'queued', 'running', 'running', 'done'] as const;
    let n = 0;
    const status = () => sequence[Math.min(n, sequence.length - 1)];
    const { calls } = mockFetch({
      'GET /api/submissions/7/status': () => {
        n += 1;
        return { json: { id: 7, status: status(), error: null } };
      },
      'GET /api/submissions/7': () => {
        const s = status();
        return { json: submission({ status: s, summary: s === 'done' ? submission().summary : null }) };
      },
    });
    renderWithProviders(<Probe id={7} />);
    expect(await screen.findByTestId('status-badge')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('status-badge')).toHaveAttribute('data-status', 'done'));
    expect(screen.getByTestId('status-badge')).toHaveTextContent('Done');
    const after = calls.length;
    // The whole attempt three times (first load, queued -> running, running -> done); the status in between.
    const detail = calls.filter((c) => c.url.endsWith('/api/submissions/7')).length;
    expect(detail).toBe(3);
    expect(calls.filter((c) => c.url.endsWith('/status')).length).toBe(4);
    await sleep(200); // several intervals: no further request
    expect(calls.length).toBe(after);
  });

  it('waits longer between polls as the evaluation takes longer, up to 2 s', () => {
    expect([0, 1, 2, 3].map((k) => pollDelay(k))).toEqual([300, 450, 675, 1013]);
    expect(pollDelay(20)).toBe(2000);
  });

  it('stops polling on failure and shows the reason', async () => {
    let n = 0;
    const { calls } = mockFetch({
      'GET /api/submissions/8/status': () => {
        n += 1;
        return { json: { id: 8, status: 'failed', error: 'Trainee contours: the epicardium crosses itself.' } };
      },
      'GET /api/submissions/8': () => ({
        json: submission({ id: 8, status: n === 0 ? 'running' : 'failed', error: 'Trainee contours: the epicardium crosses itself.', summary: null }),
      }),
    });
    renderWithProviders(<Probe id={8} />);
    await waitFor(() => expect(screen.getByTestId('status-badge')).toHaveAttribute('data-status', 'failed'));
    expect(screen.getByTestId('submission-error')).toHaveTextContent('the epicardium crosses itself');
    const after = calls.length;
    await sleep(100);
    expect(calls.length).toBe(after);
  });
});
