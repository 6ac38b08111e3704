import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { trainingRun } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { TrainingRun } from '../api/get-training-runs';
import { TrainingRuns } from './training-runs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('training runs', () => {
  it('shows the progress of a running run, polls it until done, then links to the new model card', async () => {
    const sequence: Partial<TrainingRun>[] = [
      { status: 'running', progress: 40.4, message: 'fold 2/3: epoch 3/6' },
      { status: 'running', progress: 80, message: 'final model: epoch 2/6' },
      { status: 'done', progress: 100, message: 'done', model_id: 9, model_version: 'unet-w0.25-20250301T101500Z',
        finished_at: '2025-03-01T09:30:00Z' },
    ];
    let n = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const { calls } = mockFetch({
      'GET /api/training-runs/': () => ({
        json: [n >= sequence.length ? trainingRun(sequence[sequence.length - 1]) : trainingRun({ status: 'running', progress: 10, message: 'building samples' }),
          trainingRun({ id: 11, status: 'failed', progress: 5, message: null, error: 'No case has expert contours.' })],
      }),
      'GET /api/training-runs/12': async () => {
        if (n === 1) await gate; // hold the second state until the first one was checked
        const reply = trainingRun(sequence[Math.min(n, sequence.length - 1)]);
        n += 1;
        return { json: reply };
      },
    });
    renderWithProviders(<TrainingRuns pollIntervalMs={15} />);

    const bar = await screen.findByTestId('run-progress-12');
    expect(bar.tagName).toBe('PROGRESS');
    expect(bar).toHaveAttribute('aria-label', 'Training run #12: progress');
    await waitFor(() => expect(screen.getByTestId('run-progress-12')).toHaveAttribute('value', '40'));
    expect(screen.getByTestId('run-progress-text-12')).toHaveTextContent('40% · fold 2/3: epoch 3/6');
    expect(screen.getByTestId('run-status-12')).toHaveTextContent('Training…');
    expect(screen.queryByTestId('run-model-link-12')).not.toBeInTheDocument();
    // The failed run is not polled and says why.
    expect(within(screen.getByTestId('run-11')).getByTestId('run-error-11')).toHaveTextContent('No case has expert contours.');
    release();

    const link = await screen.findByTestId('run-model-link-12');
    expect(link).toHaveTextContent('See the model card');
    expect(link).toHaveAttribute('href', '/consensus-models/9');
    expect(screen.queryByTestId('run-progress-12')).not.toBeInTheDocument();
    expect(screen.getByTestId('run-status-12')).toHaveTextContent('Done');

    const polls = () => calls.filter((c) => c.url === '/api/training-runs/12').length;
    expect(polls()).toBe(3);
    expect(calls.some((c) => c.url === '/api/training-runs/11')).toBe(false);
    await sleep(120); // several intervals: no further request once done
    expect(polls()).toBe(3);
  });

  it('shows a finished run with its model link and asks nothing more', async () => {
    const { calls } = mockFetch({
      'GET /api/training-runs/': {
        json: [trainingRun({ id: 7, status: 'done', progress: 100, message: 'done', model_id: 4, model_version: 'dense-w1-20250210T080000Z',
          head: 'dense', width: 1, datasets: [{ id: 2, name: 'T1 basics' }, { id: 5, name: 'Thalassaemia T2*' }] })],
      },
    });
    renderWithProviders(<TrainingRuns pollIntervalMs={15} />);
    const link = await screen.findByTestId('run-model-link-7');
    expect(link).toHaveAttribute('href', '/consensus-models/4');
    expect(link).toHaveTextContent('See the model card (dense-w1-20250210T080000Z)');
    const run = screen.getByTestId('run-7');
    expect(run).toHaveTextContent('Dense (the paper’s), width 1');
    expect(run).toHaveTextContent('Datasets: T1 basics, Thalassaemia T2*');
    expect(screen.queryByTestId('run-progress-7')).not.toBeInTheDocument();
    await sleep(60);
    expect(calls.map((c) => c.url)).toEqual(['/api/training-runs/']);
  });
});
