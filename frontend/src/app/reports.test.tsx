import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { dataset as datasetFixture } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { AppRoutes } from './router';

const supervisor = { id: 1, username: 'sue', full_name: 'Sue Visor', role: 'supervisor' };
const trainee = { id: 11, username: 'alice', full_name: 'Alice A', role: 'trainee' };
const alice = { id: 11, username: 'alice', full_name: 'Alice A' };
const cohort = { id: 5, name: 'Fellows', supervisor, trainees: [alice], datasets: [{ id: 2, name: 'T1 basics' }] };
const dataset = datasetFixture({ n_cases: 0, accreditation_last_n: 4, accreditation_min_cases: 2 });

describe('report buttons and the accreditation rule in the pages', () => {
  it('trainee home offers the progress report', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: trainee } },
      'GET /api/cohorts/': { json: [cohort] },
      'GET /api/datasets/': { json: [dataset] },
      'GET /api/datasets/2/cases': { json: [] },
      'GET /api/trainees/11/history': { json: { trainee: alice, submissions: [] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/' });
    expect(await screen.findByTestId('report-request')).toHaveTextContent('Download my progress report (PDF)');
  });

  it('a supervisor gets a trainee report on the trainee history page', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/trainees/11/history': { json: { trainee: alice, submissions: [] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/trainees/11' });
    expect(await screen.findByTestId('report-request')).toHaveTextContent('Trainee report (PDF)');
  });

  it('a trainee sees no supervisor report button on their own history page', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: trainee } },
      'GET /api/trainees/11/history': { json: { trainee: alice, submissions: [] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/trainees/11' });
    expect(await screen.findByRole('heading', { name: 'My progress' })).toBeInTheDocument();
    expect(screen.queryByTestId('report-request')).not.toBeInTheDocument();
  });

  it('a supervisor gets a class report on the cohort overview', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/cohorts/5/overview': { json: { cohort, cases: [], rows: [] } },
    });
    renderWithProviders(<AppRoutes />, { route: '/cohorts/5' });
    expect(await screen.findByTestId('report-request')).toHaveTextContent('Class report (PDF)');
  });

  it('the supervisor home lists class reports per cohort and the accreditation rule per dataset', async () => {
    mockFetch({
      'GET /api/auth/me': { json: { user: supervisor } },
      'GET /api/cohorts/': { json: [cohort] },
      'GET /api/datasets/': { json: [dataset] },
      'GET /api/datasets/2/cases': { json: [] },
    });
    renderWithProviders(<AppRoutes />, { route: '/' });
    expect(await screen.findByTestId('report-request-cohort-5')).toHaveTextContent('Class report (PDF)');
    const card = await screen.findByTestId('dataset-2');
    expect(within(card).getByTestId('dataset-accreditation-2'))
      .toHaveTextContent('Accredited when the last 4 submissions are within all tolerances on at least 2 distinct cases');
  });
});
