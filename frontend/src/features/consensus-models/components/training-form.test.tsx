import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { trainingRun } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { TrainingForm } from './training-form';

const datasets = [
  { id: 2, name: 'T1 basics', n_cases: 12 },
  { id: 3, name: 'T2 oedema', n_cases: 1 },
  { id: 5, name: 'Thalassaemia T2*', n_cases: 8 },
];

describe('training form', () => {
  it('starts with the defaults and posts the chosen datasets and settings with the CSRF header', async () => {
    const { calls } = mockFetch({
      'POST /api/training-runs/': { status: 201, json: trainingRun({ id: 31, head: 'dense', epochs: 10 }) },
      'GET /api/training-runs/': { json: [trainingRun({ id: 31, head: 'dense', epochs: 10 })] },
    });
    document.cookie = 'csrftoken=tok42';
    const user = userEvent.setup();
    renderWithProviders(<TrainingForm datasets={datasets} />);

    expect(screen.getByTestId('train-head-unet')).toBeChecked();
    expect(screen.getByTestId('train-head-dense')).not.toBeChecked();
    expect(screen.getByTestId('train-epochs')).toHaveValue(6);
    expect(screen.getByTestId('train-width')).toHaveValue(0.25);
    expect(screen.getByTestId('train-folds')).toHaveValue(3);
    expect(screen.getByTestId('train-phantoms')).toHaveValue(24);
    expect(screen.getByText('1 = the paper’s full VGG-16; 0.25 trains in reasonable time on a CPU')).toBeInTheDocument();

    await user.click(screen.getByTestId('train-dataset-2'));
    await user.click(screen.getByTestId('train-dataset-5'));
    await user.click(screen.getByTestId('train-dataset-3'));
    await user.click(screen.getByTestId('train-dataset-3')); // and unchecked again
    await user.click(screen.getByTestId('train-head-dense'));
    await user.clear(screen.getByTestId('train-epochs'));
    await user.type(screen.getByTestId('train-epochs'), '10');
    await user.click(screen.getByTestId('train-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/training-runs/');
    expect(post.headers['x-csrftoken']).toBe('tok42');
    expect(JSON.parse(String(post.body))).toEqual({
      dataset_ids: [2, 5], head: 'dense', width: 0.25, epochs: 10, folds: 3, phantoms: 24,
    });
    expect(await screen.findByTestId('train-created')).toHaveTextContent('Training run #31 queued');
    expect(screen.queryByTestId('train-error')).not.toBeInTheDocument();
  });

  it('shows the server’s 400 detail in the form’s error box', async () => {
    const detail = 'None of the chosen datasets has gold-standard or expert contours yet.';
    mockFetch({ 'POST /api/training-runs/': { status: 400, json: { detail, field: 'dataset_ids' } } });
    const user = userEvent.setup();
    renderWithProviders(<TrainingForm datasets={datasets} />);
    await user.click(screen.getByTestId('train-dataset-3'));
    await user.click(screen.getByTestId('train-submit'));
    const box = await screen.findByTestId('train-error');
    expect(box).toHaveTextContent(detail);
    expect(box).toHaveTextContent('The training was not started: Datasets');
    expect(box).toHaveAttribute('role', 'alert');
    expect(screen.queryByTestId('train-created')).not.toBeInTheDocument();
    expect(screen.getByTestId('train-submit')).toBeEnabled();
  });

  it('asks for a dataset before posting anything', async () => {
    const { calls } = mockFetch({});
    const user = userEvent.setup();
    renderWithProviders(<TrainingForm datasets={datasets} />);
    await user.click(screen.getByTestId('train-submit'));
    expect(await screen.findByTestId('train-error')).toHaveTextContent('Choose at least one dataset to train on.');
    expect(calls).toHaveLength(0);
  });
});
