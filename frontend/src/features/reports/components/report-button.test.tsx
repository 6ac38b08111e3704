import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { ReportJob } from '../api/get-report';
import { ReportButton } from './report-button';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function job(overrides: Partial<ReportJob> = {}): ReportJob {
  return {
    id: 42, kind: 'trainee', status: 'queued', progress: 0, message: 'Waiting for a worker', trainee_id: 11,
    cohort_id: null, created_at: '2025-01-02T10:00:00Z', pdf_url: null, ...overrides,
  };
}

describe('ReportButton', () => {
  it('requests a trainee report, shows the progress, polls until done and offers the download', async () => {
    const sequence: Partial<ReportJob>[] = [
      { status: 'running', progress: 40, message: 'Drawing the charts' },
      { status: 'running', progress: 80, message: 'Writing the PDF' },
      { status: 'done', progress: 100, message: 'Ready', pdf_url: '/api/reports/42/pdf' },
    ];
    let n = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const { calls } = mockFetch({
      'POST /api/reports/': { status: 201, json: job() },
      'GET /api/reports/42': async () => {
        if (n === 1) await gate; // hold the second state until the first one was checked
        const reply = job(sequence[Math.min(n, sequence.length - 1)]);
        n += 1;
        return { json: reply };
      },
    });
    document.cookie = 'csrftoken=abc';
    const user = userEvent.setup();
    renderWithProviders(<ReportButton kind="trainee" traineeId={11} label="Trainee report (PDF)" pollIntervalMs={15} />);

    const button = screen.getByTestId('report-request');
    expect(button).toHaveTextContent('Trainee report (PDF)');
    await user.click(button);

    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/reports/');
    expect(JSON.parse(String(post.body))).toEqual({ kind: 'trainee', trainee_id: 11 });
    expect(post.headers['x-csrftoken']).toBe('abc');

    const progress = await screen.findByTestId('report-progress');
    expect(progress.tagName).toBe('PROGRESS');
    expect(progress).toHaveAttribute('aria-label', 'Trainee report (PDF): progress');
    await waitFor(() => expect(screen.getByTestId('report-progress')).toHaveAttribute('value', '40'));
    expect(screen.getByTestId('report-progress-text')).toHaveTextContent('40% · Drawing the charts');
    expect(screen.getByTestId('report-request')).toBeDisabled();
    release();

    const link = await screen.findByTestId('report-download');
    expect(link).toHaveAttribute('href', '/api/reports/42/pdf');
    expect(screen.queryByTestId('report-progress')).not.toBeInTheDocument();
    expect(screen.getByTestId('report-request')).toBeEnabled();

    const gets = calls.filter((c) => c.method === 'GET').length;
    expect(gets).toBe(3);
    await sleep(120); // several intervals: no further request once done
    expect(calls.filter((c) => c.method === 'GET').length).toBe(gets);
  });

  it('requests a class report for a cohort', async () => {
    const { calls } = mockFetch({
      'POST /api/reports/': { status: 201, json: job({ id: 9, kind: 'cohort', trainee_id: null, cohort_id: 5 }) },
      'GET /api/reports/9': { json: job({ id: 9, kind: 'cohort', status: 'done', progress: 100, pdf_url: '/api/reports/9/pdf' }) },
    });
    const user = userEvent.setup();
    renderWithProviders(<ReportButton kind="cohort" cohortId={5} label="Class report (PDF)" pollIntervalMs={15} />);
    await user.click(screen.getByTestId('report-request'));
    expect(await screen.findByTestId('report-download')).toHaveAttribute('href', '/api/reports/9/pdf');
    expect(JSON.parse(String(calls[0].body))).toEqual({ kind: 'cohort', cohort_id: 5 });
  });

  it('shows the failure message and stops polling', async () => {
    let n = 0;
    const { calls } = mockFetch({
      'POST /api/reports/': { status: 201, json: job() },
      'GET /api/reports/42': () => {
        n += 1;
        return {
          json: n === 1
            ? job({ status: 'running', progress: 10, message: 'Collecting submissions' })
            : job({ status: 'failed', progress: 10, message: 'The trainee has no evaluated submissions yet.' }),
        };
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<ReportButton kind="trainee" label="Download my progress report (PDF)" pollIntervalMs={15} />);
    await user.click(screen.getByTestId('report-request'));
    expect(JSON.parse(String(calls[0].body))).toEqual({ kind: 'trainee' });
    expect(await screen.findByTestId('report-error')).toHaveTextContent('The trainee has no evaluated submissions yet.');
    expect(screen.queryByTestId('report-download')).not.toBeInTheDocument();
    expect(screen.queryByTestId('report-progress')).not.toBeInTheDocument();
    const after = calls.length;
    await sleep(100);
    expect(calls.length).toBe(after);
  });

  it('shows the server message when the request is refused', async () => {
    mockFetch({ 'POST /api/reports/': { status: 404, json: { detail: 'Not found.' } } });
    const user = userEvent.setup();
    renderWithProviders(<ReportButton kind="trainee" traineeId={99} label="Trainee report (PDF)" />);
    await user.click(screen.getByTestId('report-request'));
    expect(await screen.findByTestId('report-error')).toHaveTextContent('Not found.');
    expect(screen.getByTestId('report-request')).toBeEnabled();
  });
});
