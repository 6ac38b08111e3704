import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { submission } from '@/testing/fixtures';
import { AppRoutes } from './router';

const supervisor = { id: 1, username: 'sue', full_name: 'Sue Visor', role: 'supervisor' };
const trainee = { id: 11, username: 'alice', full_name: 'Alice A', role: 'trainee' };

describe('the app', () => {
  it('sends a signed-out user to the login page, signs in, and shows the home by role with a logout', async () => {
    let me: unknown = { user: null };
    const { calls } = mockFetch({
      'GET /api/auth/me': () => ({ json: me }),
      'POST /api/auth/login': (req) => {
        const body = JSON.parse(String(req.body)) as { username: string; password: string };
        if (body.password !== 'right') return { status: 400, json: { detail: 'Wrong username or password.' } };
        me = { user: supervisor };
        return { json: { user: supervisor } };
      },
      'GET /api/cohorts/': { json: [] },
      'GET /api/datasets/': { json: [] },
      'POST /api/auth/logout': () => {
        me = { user: null };
        return { status: 204 };
      },
    });
    document.cookie = 'csrftoken=abc';
    const user = userEvent.setup();
    renderWithProviders(<AppRoutes />, { route: '/' });
    await user.type(await screen.findByTestId('login-username'), 'sue');
    await user.type(screen.getByTestId('login-password'), 'wrong');
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');

    await user.clear(screen.getByTestId('login-password'));
    await user.type(screen.getByTestId('login-password'), 'right');
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByRole('heading', { name: 'Supervisor' })).toBeInTheDocument();
    expect(screen.getByTestId('current-user')).toHaveTextContent('Sue Visor');
    expect(screen.getByTestId('current-role')).toHaveTextContent('Supervisor');
    expect(await screen.findByText(/No automatic consensus model is active yet/)).toBeInTheDocument();
    const login = calls.find((c) => c.url === '/api/auth/login')!;
    expect(login.headers['x-csrftoken']).toBe('abc');

    await user.click(screen.getByTestId('logout'));
    expect(await screen.findByTestId('login-username')).toBeInTheDocument();
  });

  it('shows feedback: status badge, metrics, values and the score-only note', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const s = submission({ feedback_mode: 'score_only', reference_contours: null });
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
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('status-badge')).toHaveTextContent('Done');
    expect(await screen.findByTestId('metric-myocardium-dice')).toHaveTextContent('0.899');
    expect(screen.getByTestId('metric-epicardium-hausdorff')).toHaveTextContent('3.33');
    expect(screen.getAllByText(/Score-only mode/).length).toBeGreaterThan(0);
    expect(screen.getByTestId('image-canvas')).toBeInTheDocument();
    expect(screen.getByTestId('overlay-link')).toHaveAttribute('href', '/api/submissions/7/overlay.png');
    await waitFor(() => expect(screen.getByTestId('window-width')).not.toHaveValue(null));
    expect(screen.getByTestId('layer-consensus')).toBeDisabled();
  });

  it('shows the cohort overview matrix with marks and links', async () => {
    const result = (id: number, dice: number, within: boolean) => ({
      submission_id: id, created_at: '2025-01-01T00:00:00Z', dice, hausdorff_mm: 4.2, delta_map_ms: 3,
      delta_wall_thickness_mm: 0.5, within_tolerance: within, status: 'done',
    });
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/cohorts/5/overview': {
        json: {
          cohort: { id: 5, name: 'Fellows', supervisor, trainees: [], datasets: [] },
          cases: [{ id: 3, title: 'Mid T1', dataset_id: 2, dataset_name: 'T1 basics' }, { id: 4, title: 'Apex T2', dataset_id: 2, dataset_name: 'T1 basics' }],
          rows: [{
            trainee: { id: 11, username: 'alice', full_name: 'Alice A' },
            cells: [{ case_id: 3, attempts: 2, latest: result(70, 0.9, true), best: result(70, 0.9, true) },
              { case_id: 4, attempts: 1, latest: result(71, 0.7, false), best: result(71, 0.7, false) }],
          }],
        },
      },
    });
    renderWithProviders(<AppRoutes />, { route: '/cohorts/5' });
    const table = await screen.findByTestId('overview-table');
    expect(within(table).getByTestId('case-link-3')).toHaveAttribute('href', '/cases/3');
    expect(within(table).getByTestId('overview-cell-3')).toHaveTextContent('✓ within');
    expect(within(table).getByTestId('overview-cell-4')).toHaveTextContent('✗ outside');
    expect(within(table).getByTestId('overview-cell-4')).toHaveClass('cell-bad');
    expect(within(table).getByTestId('trainee-link-11')).toHaveAttribute('href', '/trainees/11');
  });
});
