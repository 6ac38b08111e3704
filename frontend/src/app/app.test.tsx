import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { attempt, dataset, outsideVerdict, submission, summary } from '@/testing/fixtures';
import { AppRoutes } from './router';

// cornerstone3D renders with WebGL, which jsdom does not have: the pages are tested here with a stand-in viewer that
// shows what it was given (the browser tests, tests/e2e/draw.mjs and feedback.mjs, render the real one).
vi.mock('@/features/viewer/components/image-viewer', () => ({
  ImageViewer: (p: { caseId: number; trainee: unknown; reference: unknown; referenceNote?: string | null }) => (
    <div data-testid="image-canvas" data-case={p.caseId} data-trainee={p.trainee ? 'shown' : 'none'}
      data-reference={p.reference ? 'shown' : 'none'}>{p.referenceNote ?? ''}</div>
  ),
}));

const supervisor = { id: 1, username: 'sue', full_name: 'Sue Visor', role: 'supervisor' };
const trainee = { id: 11, username: 'alice', full_name: 'Alice A', role: 'trainee' };
const T1_MESSAGE = 'Outside expert agreement. Myocardial T1: differs by +22.9 ms, 14.5 ms over the limit of ±8.4 ms.';

const caseItem = (id: number, title: string, myAttempts: number) => ({
  id, title, dataset_id: 2, dataset_name: 'T1 basics', created_at: '2025-01-01T00:00:00Z', practice: false,
  image: { kind: 't1_map', rows: 32, columns: 32, pixel_spacing_mm: [1.4, 1.4], echo_times_ms: null, field_strength_t: 1.5, units: 'ms' },
  n_expert_contours: 0, my_attempts: myAttempts, reference_available: false,
});

/** The feedback page's requests: me, the submission, its case's attempts and the image pixels. */
function mockFeedback(s: ReturnType<typeof submission>, attempts: ReturnType<typeof attempt>[]) {
  const pixels = new Float32Array(32 * 32).fill(1000);
  return mockFetch({
    'GET /api/auth/me': { json: { user: trainee } },
    [`GET /api/submissions/${s.id}`]: { json: s },
    'GET /api/submissions/': { json: attempts },
    'GET /api/cases/3/pixels': {
      body: pixels.buffer,
      headers: { 'X-Rows': '32', 'X-Columns': '32', 'X-Pixel-Spacing': '1.4,1.4', 'X-Units': 'ms' },
    },
  });
}

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
    const s = submission({ feedback_mode: 'score_only', consensus_contours: null });
    const pixels = new Float32Array(32 * 32).fill(1000);
    mockFetch({
      'GET /api/auth/me': { json: { user: trainee } },
      'GET /api/submissions/7': { json: s },
      'GET /api/submissions/': { json: [attempt()] },
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
    // The viewer gets the trainee's contours and, in score-only mode, no consensus contours but the note.
    const viewer = screen.getByTestId('image-canvas');
    expect(viewer).toHaveAttribute('data-case', '3');
    expect(viewer).toHaveAttribute('data-trainee', 'shown');
    expect(viewer).toHaveAttribute('data-reference', 'none');
    expect(viewer).toHaveTextContent(/Score-only mode/);
    expect(screen.getByTestId('overlay-link')).toHaveAttribute('href', '/api/submissions/7/overlay.png');
    expect(screen.getByTestId('export-contours-seg')).toHaveAttribute('href', '/api/submissions/7/contours.seg.dcm');
    expect(screen.getByTestId('export-contours-rtstruct')).toHaveAttribute('href', '/api/submissions/7/contours.rtstruct.dcm');
    expect(screen.queryByTestId('export-consensus-seg')).toBeNull();
  });

  it('shows the stored verdict above the image on the feedback page: its sentence, each check, and the warnings', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const warnings = [{ code: 'wall_contact', message: 'Your endocardium touches the epicardium over 4.2 mm (a thin wall): the cavity was clipped to the epicardium there.' }];
    const s = submission({ summary: summary({ verdict: outsideVerdict(), warnings }) });
    mockFeedback(s, [attempt({ id: 7, verdict: outsideVerdict() }), attempt({ id: 5, attempt: 2 })]);
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    const message = await screen.findByTestId('verdict-message');
    expect(message).toHaveTextContent(T1_MESSAGE);
    expect(screen.getByTestId('verdict-result')).toHaveTextContent('✗ outside');
    expect(screen.getByTestId('check-t1-passed')).toHaveTextContent('✗ fail');
    expect(screen.getByTestId('check-t1-margin')).toHaveTextContent('-14.5 ms');
    expect(screen.getByTestId('check-dice-passed')).toHaveTextContent('✓ pass');
    expect(screen.getByTestId('check-wall_thickness-passed')).toHaveTextContent('✓ pass');
    expect(screen.getByTestId('summary-warnings')).toHaveTextContent('touches the epicardium over 4.2 mm');
    // Above the image: the verdict comes first in the page.
    const canvas = screen.getByTestId('image-canvas');
    expect(message.compareDocumentPosition(canvas) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // The attempts list links to each attempt by its number, with its verdict.
    expect(await screen.findByTestId('attempt-link-5')).toHaveAttribute('href', '/submissions/5');
    expect(screen.getByTestId('attempt-link-7')).toHaveAttribute('href', '/submissions/7');
    expect(screen.getByTestId('attempt-verdict-7-message')).toHaveTextContent(T1_MESSAGE);
  });

  it('names each error class with its size and explanation on the feedback page', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const explanation = 'Your endocardium lies inside the consensus by 2.5 mm all the way round: trabeculae, papillary '
      + 'muscle or blood pool are included in your myocardium; here it changes your myocardial T1 by +31 ms.';
    const error_classes = [{ structure: 'endocardium' as const, kind: 'endocardium_inside' as const, size_mm: 2.5,
      sectors: ['sector 1'], explanation, map_effect: 31 }];
    mockFeedback(submission({ summary: summary({ error_classes }) }), []);
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    const item = await screen.findByTestId('error-endocardium_inside');
    expect(item).toHaveTextContent('Endocardium inside (2.5 mm)');
    expect(item).toHaveTextContent('changes your myocardial T1 by +31 ms');
  });

  it('shows the bullseye of the stored segments beside the image on the feedback page', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const names = ['anterior', 'anteroseptal', 'inferoseptal', 'inferior', 'inferolateral', 'anterolateral'];
    const segments = names.map((name, i) => ({ name, signed_distance_mm: 0, myocardium_excess_mm: i - 2.5, endocardium_mm: i - 3,
      epicardium_mm: i - 2, delta_map: 10 - 4 * i }));
    mockFeedback(submission({ summary: summary({ segments }) }), []);
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    const bullseye = await screen.findByTestId('bullseye');
    expect(bullseye.closest('.feedback-figures')).toHaveClass('with-bullseye');
    expect(screen.getByTestId('bullseye-name-4')).toHaveTextContent('inferolateral');
    expect(screen.getByTestId('bullseye-value-0')).toHaveTextContent('-2.5');
  });

  it('draws no bullseye when the summary has no segments', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    mockFeedback(submission(), []);
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('error-classes')).toBeInTheDocument();
    expect(screen.queryByTestId('bullseye')).toBeNull();
  });

  it('says why there is no verdict when there is no consensus', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const reason = 'Not assessed: there is no consensus to compare with; your own values are shown.';
    const s = submission({ consensus: null, summary: summary({ consensus: null, delta: null, agreement: null,
      verdict: { result: 'not_assessed', message: reason, failed: [], checks: [] } }) });
    mockFeedback(s, []);
    renderWithProviders(<AppRoutes />, { route: '/submissions/7' });
    expect(await screen.findByTestId('verdict-message')).toHaveTextContent(reason);
    expect(screen.getByTestId('verdict-result')).toHaveTextContent('not assessed');
    expect(screen.queryByTestId('verdict-checks')).not.toBeInTheDocument();
  });

  it('shows the latest verdict per case on the trainee home, with a link to that attempt', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: trainee } },
      'GET /api/cohorts/': { json: [{ id: 5, name: 'Fellows', supervisor, trainees: [], datasets: [{ id: 2, name: 'T1 basics' }] }] },
      'GET /api/datasets/': { json: [dataset()] },
      'GET /api/datasets/2/cases': { json: [caseItem(3, 'Mid T1', 2), caseItem(4, 'Apex T1', 0)] },
      'GET /api/trainees/11/history': { json: { trainee, submissions: [
        attempt({ id: 40, attempt: 1, created_at: '2025-01-01T10:00:00Z' }),
        attempt({ id: 41, attempt: 2, created_at: '2025-01-02T10:00:00Z', verdict: outsideVerdict() }),
      ] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/' });
    const verdict = await screen.findByTestId('case-verdict-3');
    // The latest attempt (#2) is outside on T1, though its Dice is within: the home says so, in the same words.
    expect(verdict).toHaveTextContent('✗ outside');
    expect(screen.getByTestId('case-verdict-3-message')).toHaveTextContent(T1_MESSAGE);
    expect(screen.getByTestId('case-latest-3')).toHaveAttribute('href', '/submissions/41');
    expect(screen.queryByTestId('case-verdict-4')).not.toBeInTheDocument();
    expect(screen.getByTestId('dataset-tolerances-2')).toHaveTextContent('T1 ±8.4 ms');
    for (const a of screen.getAllByRole('link')) expect(a.getAttribute('href')).not.toMatch(/undefined|null|NaN/);
  });

  it('links every attempt of the history to /submissions/<id>, each with its verdict', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/trainees/11/history': { json: { trainee, submissions: [attempt({ id: 40 }), attempt({ id: 41, attempt: 2, verdict: outsideVerdict() }),
        attempt({ id: 42, attempt: 3, status: 'running', dice: null, hausdorff_mm: null, verdict: null })] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/trainees/11' });
    expect(await screen.findByTestId('history-link-41')).toHaveAttribute('href', '/submissions/41');
    expect(screen.getByTestId('history-link-40')).toHaveAttribute('href', '/submissions/40');
    expect(screen.getByTestId('history-link-42')).toHaveAttribute('href', '/submissions/42');
    expect(screen.getByTestId('history-verdict-41-message')).toHaveTextContent(T1_MESSAGE);
    expect(screen.getByTestId('history-verdict-40')).toHaveTextContent('✓ within');
    expect(screen.queryByTestId('history-verdict-42')).not.toBeInTheDocument();
    for (const a of screen.getAllByRole('link')) expect(a.getAttribute('href')).not.toMatch(/undefined|null|NaN/);
  });

  it('shows the cohort overview matrix coloured by the stored verdict, the failed check and its sentence as the tooltip', async () => {
    const user = userEvent.setup();
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/cohorts/5/overview': {
        json: {
          cohort: { id: 5, name: 'Fellows', supervisor, trainees: [], datasets: [] },
          cases: [{ id: 3, title: 'Mid T1', dataset_id: 2, dataset_name: 'T1 basics' }, { id: 4, title: 'Apex T2', dataset_id: 2, dataset_name: 'T1 basics' }],
          rows: [{
            trainee,
            cells: [{ case_id: 3, attempts: 2, latest: attempt({ id: 70 }), best: attempt({ id: 70 }) },
              { case_id: 4, attempts: 1, latest: attempt({ id: 71, case_id: 4, verdict: outsideVerdict() }),
                best: attempt({ id: 71, case_id: 4, verdict: outsideVerdict() }) }],
          }],
        },
      },
      'GET /api/submissions/71': { json: submission({ id: 71 }) },
    });
    renderWithProviders(<AppRoutes />, { route: '/cohorts/5' });
    const table = await screen.findByTestId('overview-table');
    expect(within(table).getByTestId('case-link-3')).toHaveAttribute('href', '/cases/3');
    expect(within(table).getByTestId('overview-cell-3')).toHaveTextContent('✓ within');
    expect(within(table).getByTestId('overview-cell-3')).toHaveClass('cell-ok');
    const bad = within(table).getByTestId('overview-cell-4');
    expect(bad).toHaveTextContent('✗ outside');
    expect(bad).toHaveClass('cell-bad');
    expect(within(table).getByTestId('overview-failed-4')).toHaveTextContent('Failed: Myocardial T1');
    expect(within(table).getByTestId('overview-open-71')).toHaveAttribute('title', T1_MESSAGE);
    expect(within(table).getByTestId('trainee-link-11')).toHaveAttribute('href', '/trainees/11');
    await user.click(within(table).getByTestId('overview-open-71'));
    expect(await screen.findByRole('heading', { name: /Feedback: Mid T1/ })).toBeInTheDocument();
  });
});
