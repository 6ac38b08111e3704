import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { submission } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { useSubmission } from '../api/get-submission';
import { SubmissionStatusLine } from './submission-status';

function Probe({ id }: { id: number }) {
  const q = useSubmission(id, { pollIntervalMs: 15 });
  return q.data ? <SubmissionStatusLine submission={q.data} /> : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('submission status polling', () => {
  it('polls while queued or running and stops once done', async () => {
    const sequence = ['queued', 'running', 'running', 'done'] as const;
    let n = 0;
    const { calls } = mockFetch({
      'GET /api/submissions/7': () => {
        const status = sequence[Math.min(n, sequence.length - 1)];
        n += 1;
        return { json: submission({ status, summary: status === 'done' ? submission().summary : null }) };
      },
    });
    renderWithProviders(<Probe id={7} />);
    expect(await screen.findByTestId('status-badge')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('status-badge')).toHaveAttribute('data-status', 'done'));
    expect(screen.getByTestId('status-badge')).toHaveTextContent('Done');
    const after = calls.length;
    expect(after).toBe(4);
    await sleep(120); // eight intervals: no further request
    expect(calls.length).toBe(after);
  });

  it('stops polling on failure and shows the reason', async () => {
    let n = 0;
    const { calls } = mockFetch({
      'GET /api/submissions/8': () => {
        n += 1;
        return { json: submission({ id: 8, status: n === 1 ? 'running' : 'failed', error: 'Trainee contours: the epicardium crosses itself.', summary: null }) };
      },
    });
    renderWithProviders(<Probe id={8} />);
    await waitFor(() => expect(screen.getByTestId('status-badge')).toHaveAttribute('data-status', 'failed'));
    expect(screen.getByTestId('submission-error')).toHaveTextContent('the epicardium crosses itself');
    const after = calls.length;
    await sleep(100);
    expect(calls.length).toBe(after);
  });
});
