import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { consensusModel, consensusModelDetail, dataset as datasetFixture, submission } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders, testQueryClient } from '@/testing/render';
import { AppRoutes } from './router';

const supervisor = { id: 1, username: 'sue', full_name: 'Sue Visor', role: 'supervisor' };
const trainee = { id: 11, username: 'alice', full_name: 'Alice A', role: 'trainee' };
const dataset = datasetFixture({ n_cases: 12, consensus_source: 'automatic' });
const older = consensusModel({
  id: 3, version: 'dense-w1-20250210T080000Z', head: 'dense', width: 1, is_active: true, parameters: 29_000_000,
  activated_at: '2025-02-11T08:00:00Z', activated_by: 'sue', inference_seconds: 0.412,
  accuracy: { dice: 0.8421, hd_mm: 5.5, msd_mm: 1.3, basis: '3-fold cross-validation' },
});

describe('consensus models (supervisor)', () => {
  it('lists the models with their accuracy and the active badge; a row opens the model card', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/': { json: [consensusModel(), older] },
      'GET /api/consensus-models/4': { json: consensusModelDetail() },
      'GET /api/datasets/': { json: [dataset] },
      'GET /api/training-runs/': { json: [] },
    });
    const user = userEvent.setup();
    renderWithProviders(<AppRoutes />, { route: '/consensus-models' });

    expect(await screen.findByTestId('nav-consensus-models')).toHaveTextContent('Consensus models');
    const table = await screen.findByTestId('models-table');
    const row4 = within(table).getByTestId('model-row-4');
    expect(row4).toHaveTextContent('unet-w0.25-20250301T101500Z');
    expect(row4).toHaveTextContent('U-Net');
    expect(within(row4).getByTestId('model-dice-4')).toHaveTextContent('0.871');
    expect(within(row4).getByTestId('model-hd-4')).toHaveTextContent('4.28');
    expect(within(row4).getByTestId('model-msd-4')).toHaveTextContent('1.03');
    expect(within(row4).getByTestId('model-basis-4')).toHaveTextContent('held-out patients SC-HF-I-01, SC-HF-I-02');
    expect(within(row4).getByTestId('model-inference-4')).toHaveTextContent('84');
    expect(within(row4).queryByTestId('model-active-4')).not.toBeInTheDocument();
    const row3 = within(table).getByTestId('model-row-3');
    expect(within(row3).getByTestId('model-active-3')).toHaveTextContent('Active');
    expect(within(row3).getByTestId('model-basis-3')).toHaveTextContent('3-fold cross-validation');
    expect(row3).toHaveTextContent('Dense (the paper’s)');
    expect(screen.queryByTestId('no-active-model')).not.toBeInTheDocument();
    // The form offers the supervisor's datasets; the runs list is empty.
    expect(screen.getByTestId('train-dataset-2')).toBeInTheDocument();
    expect(await screen.findByText('No training runs yet.')).toBeInTheDocument();

    await user.click(within(row4).getByText('U-Net')); // anywhere in the row
    expect(await screen.findByRole('heading', { name: 'Model card: unet-w0.25-20250301T101500Z' })).toBeInTheDocument();
  });

  it('says plainly when no model is active', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/': { json: [consensusModel()] },
      'GET /api/datasets/': { json: [dataset] },
      'GET /api/training-runs/': { json: [] },
    });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models' });
    expect(await screen.findByTestId('no-active-model'))
      .toHaveTextContent('datasets with the automatic consensus (and practice uploads) show trainees only their own values until you activate one');
    expect(screen.queryByText('Active')).not.toBeInTheDocument();
  });

  it('is not offered to trainees', async () => {
    const { calls } = mockFetch({ 'GET /api/auth/me': { json: { user: trainee } } });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.queryByTestId('nav-consensus-models')).not.toBeInTheDocument();
    expect(calls.some((c) => c.url.startsWith('/api/consensus-models'))).toBe(false);
  });

  it('shows the model card: facts, the held-out table per error kind with an "all" row, and cross-validation', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/4': { json: consensusModelDetail() },
    });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models/4' });
    const holdout = await screen.findByTestId('holdout-table');
    expect(within(holdout).getByText(/Held-out patients SC-HF-I-01, SC-HF-I-02 \(10 frames\)/)).toBeInTheDocument();
    const shift = within(holdout).getByTestId('holdout-row-shift');
    expect(shift).toHaveTextContent('Shifted');
    expect(within(shift).getByTestId('holdout-shift-n')).toHaveTextContent('10');
    expect(within(shift).getByTestId('holdout-shift-trainee-dice')).toHaveTextContent('0.782');
    expect(within(shift).getByTestId('holdout-shift-model-dice')).toHaveTextContent('0.857');
    expect(within(shift).getByTestId('holdout-shift-trainee-hd')).toHaveTextContent('6.42');
    expect(within(shift).getByTestId('holdout-shift-model-hd')).toHaveTextContent('4.32');
    expect(within(shift).getByTestId('holdout-shift-closer-dice')).toHaveTextContent('0.90');
    expect(within(shift).getByTestId('holdout-shift-closer-hd')).toHaveTextContent('0.80');
    expect(within(shift).getByTestId('holdout-shift-failures')).toHaveTextContent('1');
    expect(within(holdout).getByTestId('holdout-exact-trainee-dice')).toHaveTextContent('1.000');
    expect(within(holdout).getByTestId('holdout-exact-model-dice')).toHaveTextContent('0.913');
    const all = within(holdout).getByTestId('holdout-row-all');
    expect(all).toHaveTextContent('All');
    expect(within(all).getByTestId('holdout-all-n')).toHaveTextContent('20');
    expect(within(all).getByTestId('holdout-all-model-dice')).toHaveTextContent('0.871');
    expect(within(all).getByTestId('holdout-all-trainee-dice')).toHaveTextContent('0.891');
    expect(within(all).getByTestId('holdout-all-model-hd')).toHaveTextContent('4.28');
    expect(within(all).getByTestId('holdout-all-closer-dice')).toHaveTextContent('0.45');
    expect(within(holdout).queryByTestId('holdout-row-warp')).not.toBeInTheDocument(); // no input of that kind
    const rows = within(holdout).getAllByRole('row').map((r) => r.getAttribute('data-testid'));
    expect(rows.at(-1)).toBe('holdout-row-all');

    const cv = screen.getByTestId('cv-table');
    expect(within(cv).getByTestId('cv-patients-1')).toHaveTextContent('SC-HF-I-04, SC-HF-I-05, SC-N-02, phantom-1 and 2 more');
    expect(within(cv).getByTestId('cv-patients-1')).toHaveAttribute('title', 'SC-HF-I-04, SC-HF-I-05, SC-N-02, phantom-1, phantom-2, phantom-3');
    expect(within(cv).getByTestId('cv-1-model-dice')).toHaveTextContent('0.861');
    expect(within(cv).getByTestId('cv-1-model-hd')).toHaveTextContent('4.90');
    expect(within(cv).getByTestId('cv-1-model-msd')).toHaveTextContent('1.22');
    expect(within(cv).getByTestId('cv-1-trainee-dice')).toHaveTextContent('0.810');
    expect(within(cv).getByTestId('cv-patients-2')).toHaveTextContent('SC-HF-NI-03');

    expect(screen.getByTestId('card-head')).toHaveTextContent('U-Net');
    expect(screen.getByTestId('card-default-head')).toHaveTextContent('U-Net: U-Net measured closer to the experts');
    expect(screen.getByTestId('card-width')).toHaveTextContent('0.25');
    expect(screen.getByTestId('card-parameters')).toHaveTextContent('1,953,617');
    expect(screen.getByTestId('card-cases')).toHaveTextContent('64 (40 real, 24 phantom) · 896 samples');
    expect(screen.getByTestId('card-patients')).toHaveTextContent('SC-HF-I-04, SC-HF-I-05, SC-HF-NI-03, SC-N-02 (4)');
    expect(screen.getByTestId('card-optimiser')).toHaveTextContent('Nadam, learning rate 0.001, β₁ 0.9, β₂ 0.999');
    expect(screen.getByTestId('card-loss')).toHaveTextContent('Binary cross-entropy');
    expect(screen.getByTestId('card-training-time')).toHaveTextContent('25.6 min');
    expect(screen.getByTestId('card-inference')).toHaveTextContent('84 ms');
    expect(screen.getByTestId('card-libraries')).toHaveTextContent('TensorFlow 2.19.0, Keras 3.10.0, NumPy 2.1.3, Python 3.12.3');
    expect(screen.getByTestId('card-libraries')).toHaveTextContent('x86_64, CPU');
  });

  it('a card without held-out patients or folds says so, with dashes for missing numbers', async () => {
    const m = consensusModelDetail({ accuracy: null, inference_seconds: null });
    m.card = { ...m.card, holdout: null, cross_validation: [], inference_seconds: undefined };
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/4': { json: m },
    });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models/4' });
    expect(await screen.findByText(/No patients were held out/)).toBeInTheDocument();
    expect(screen.getByText('This model was trained without cross-validation.')).toBeInTheDocument();
    expect(screen.getByTestId('card-accuracy')).toHaveTextContent('not evaluated');
    expect(screen.getByTestId('card-inference')).toHaveTextContent('—');
  });

  it('refuses to offer activation when the card has no held-out evaluation, and says why', async () => {
    const why = 'This model cannot be activated: its card holds no held-out evaluation (accuracy on patients it was never trained on).';
    const m = consensusModelDetail({ accuracy: null, activation_refusal: why });
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/4': { json: m },
    });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models/4' });
    expect(await screen.findByTestId('activation-refusal')).toHaveTextContent(why);
    expect(screen.getByTestId('activate')).toBeDisabled();
  });

  it('activates the model from its card after a confirmation, with the CSRF header, and refreshes the list', async () => {
    let active = false;
    const { calls } = mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/consensus-models/': () => ({ json: [consensusModel({ is_active: active }), { ...older, is_active: false }] }),
      'GET /api/consensus-models/4': () => ({ json: consensusModelDetail({ is_active: active }) }),
      'POST /api/consensus-models/4/activate': () => {
        active = true;
        return { json: consensusModel({ is_active: true, activated_at: '2025-03-02T09:00:00Z', activated_by: 'sue' }) };
      },
      'POST /api/consensus-models/deactivate': () => {
        active = false;
        return { status: 204 };
      },
      'GET /api/datasets/': { json: [dataset] },
      'GET /api/training-runs/': { json: [] },
    });
    document.cookie = 'csrftoken=csrf-abc';
    const user = userEvent.setup();
    // Nothing goes stale by itself here: only the invalidation after activating makes the list refetch.
    const client = testQueryClient();
    client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, staleTime: Infinity } });
    renderWithProviders(<AppRoutes />, { route: '/consensus-models', client });
    expect(await screen.findByTestId('no-active-model')).toBeInTheDocument();
    // The list offers no activation: only the card does.
    expect(screen.queryByTestId('activate')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('model-link-4'));

    const activate = await screen.findByTestId('activate');
    expect(activate).toHaveTextContent('Activate this model');
    expect(screen.queryByTestId('deactivate')).not.toBeInTheDocument();
    await user.click(activate);
    // A confirmation first: nothing is posted yet, and Cancel posts nothing.
    expect(screen.getByTestId('activation-confirm')).toHaveTextContent('Activate unet-w0.25-20250301T101500Z?');
    await user.click(screen.getByTestId('activation-confirm-cancel'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await user.click(screen.getByTestId('activate'));
    await user.click(screen.getByTestId('activation-confirm-yes'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/consensus-models/4/activate');
    expect(post.headers['x-csrftoken']).toBe('csrf-abc');
    expect(post.credentials).toBe('include');
    expect(await screen.findByTestId('activation-active')).toHaveTextContent('Active');
    expect(screen.getByTestId('card-active')).toHaveTextContent('Active');
    expect(screen.getByTestId('deactivate')).toBeInTheDocument();
    expect(screen.queryByTestId('activate')).not.toBeInTheDocument();

    // The list was invalidated: back on it, it is fetched again and shows the new active model.
    const listGets = () => calls.filter((c) => c.method === 'GET' && c.url === '/api/consensus-models/').length;
    const before = listGets();
    await user.click(within(screen.getByRole('navigation', { name: 'Breadcrumb' })).getByRole('link', { name: 'Consensus models' }));
    expect(await screen.findByTestId('model-active-4')).toHaveTextContent('Active');
    expect(listGets()).toBe(before + 1);
    expect(screen.queryByTestId('model-active-3')).not.toBeInTheDocument();
    expect(screen.queryByTestId('no-active-model')).not.toBeInTheDocument();

    // Deactivate from the card, again after a confirmation.
    await user.click(screen.getByTestId('model-link-4'));
    await user.click(await screen.findByTestId('deactivate'));
    await user.click(screen.getByTestId('activation-confirm-yes'));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/consensus-models/deactivate')).toBe(true));
    const off = calls.find((c) => c.url === '/api/consensus-models/deactivate')!;
    expect(off.method).toBe('POST');
    expect(off.headers['x-csrftoken']).toBe('csrf-abc');
    expect(await screen.findByTestId('activate')).toBeInTheDocument();
  });
});

describe('feedback on an attempt compared with the automatic consensus', () => {
  function mockFeedback(s: ReturnType<typeof submission>) {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const pixels = new Float32Array(32 * 32).fill(1000);
    mockFetch({
      'GET /api/auth/me': { json: { user: trainee } },
      'GET /api/submissions/7': { json: s },
      'GET /api/submissions/': { json: [s] },
      'GET /api/cases/3/pixels': {
        body: pixels.buffer,
        headers: { 'X-Rows': '32', 'X-Columns': '32', 'X-Pixel-Spacing': '1.4,1.4', 'X-Units': 'ms' },
      },
    });
  }

  it('names the CNN model and shows its accuracy note prominently', async () => {
    const note = 'Automatic consensus: this model agrees with experts to Dice 0.871 (HD 4.3 mm) on held-out patients; treat small differences with care.';
    mockFeedback(submission({
      consensus: { source: 'automatic', label: 'Automatic consensus', version: 5, contributors: 1, model_version: 'unet-w0.25-20250301T101500Z' },
      consensus_note: note,
    }));
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('consensus-source'))
      .toHaveTextContent('Compared with: Automatic consensus (CNN unet-w0.25-20250301T101500Z).');
    const shown = screen.getByTestId('consensus-note');
    expect(shown).toHaveTextContent(note);
    expect(shown).toHaveClass('note');
    expect(screen.getByTestId('metric-myocardium-dice')).toHaveTextContent('0.899');
  });

  it('keeps the gold-standard line as it was, without a note', async () => {
    mockFeedback(submission());
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('consensus-source'))
      .toHaveTextContent('Compared with: Gold standard (1 contour set), version 1.');
    expect(screen.queryByTestId('consensus-note')).not.toBeInTheDocument();
    expect(screen.queryByText(/CNN/)).not.toBeInTheDocument();
  });

  it('shows the server’s reason when there is no consensus (no model active yet)', async () => {
    const note = 'No automatic consensus model is active yet: only your own values are shown.';
    mockFeedback(submission({ consensus: null, consensus_note: note, consensus_contours: null, overlay_url: null }));
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('consensus-note')).toHaveTextContent(note);
    expect(screen.queryByTestId('consensus-source')).not.toBeInTheDocument();
    expect(screen.queryByText('No consensus is available for this image: only your own values are shown.')).not.toBeInTheDocument();
  });
});
