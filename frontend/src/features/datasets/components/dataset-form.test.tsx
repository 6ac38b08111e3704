import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { Dataset } from '../api/get-datasets';
import { accreditationRule } from '../lib/accreditation';
import { DatasetForm } from './dataset-form';

const dataset: Dataset = {
  id: 2, name: 'T1 basics', description: '', cohort_ids: [5], n_cases: 2, consensus_source: 'gold_standard',
  automatic_consensus_available: false, feedback_mode: 'reveal', tolerance_dice: 0.85, tolerance_map_ms: 8.4,
  tolerance_wall_thickness_mm: 1.5, accreditation_last_n: 5, accreditation_min_cases: 2,
};

describe('dataset form: accreditation rule', () => {
  it('creates a dataset with the default rule (last 3 submissions on at least 3 cases)', async () => {
    const { calls } = mockFetch({ 'POST /api/datasets/': { status: 201, json: dataset } });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[{ id: 5, name: 'Fellows' }]} automaticAvailable={false} />);
    expect(screen.getByText(/Accredited when the last N submissions are within all tolerances on at least M distinct cases/))
      .toBeInTheDocument();
    expect(screen.getByTestId('dataset-accreditation-last-n')).toHaveValue(3);
    expect(screen.getByTestId('dataset-accreditation-min-cases')).toHaveValue(3);
    await user.type(screen.getByTestId('dataset-name'), 'T2 basics');
    await user.clear(screen.getByTestId('dataset-accreditation-min-cases'));
    await user.type(screen.getByTestId('dataset-accreditation-min-cases'), '4');
    await user.click(screen.getByTestId('dataset-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = JSON.parse(String(calls.find((c) => c.method === 'POST')!.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'T2 basics', accreditation_last_n: 3, accreditation_min_cases: 4 });
  });

  it('edits the rule of an existing dataset', async () => {
    const { calls } = mockFetch({ 'PATCH /api/datasets/2': { json: { ...dataset, accreditation_last_n: 6 } } });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} dataset={dataset} />);
    expect(screen.getByTestId('dataset-accreditation-last-n')).toHaveValue(5);
    expect(screen.getByTestId('dataset-accreditation-min-cases')).toHaveValue(2);
    await user.clear(screen.getByTestId('dataset-accreditation-last-n'));
    await user.type(screen.getByTestId('dataset-accreditation-last-n'), '6');
    await user.click(screen.getByTestId('dataset-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const body = JSON.parse(String(calls.find((c) => c.method === 'PATCH')!.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ accreditation_last_n: 6, accreditation_min_cases: 2 });
  });

  it('says the rule in words', () => {
    expect(accreditationRule(dataset)).toBe('Accredited when the last 5 submissions are within all tolerances on at least 2 distinct cases');
    expect(accreditationRule({ accreditation_last_n: 1, accreditation_min_cases: 1 }))
      .toBe('Accredited when the last 1 submission is within all tolerances on at least 1 distinct case');
    expect(accreditationRule({})).toBe('Accredited when the last 3 submissions are within all tolerances on at least 3 distinct cases');
  });
});
