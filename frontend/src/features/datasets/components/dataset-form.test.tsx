import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { API_DEFAULTS } from '@/lib/api-defaults';
import { dataset as datasetFixture } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { Dataset } from '../api/get-datasets';
import { accreditationRule } from '../lib/accreditation';
import { toleranceSummary } from '../lib/tolerances';
import { DatasetForm } from './dataset-form';

const dataset: Dataset = datasetFixture({ accreditation_last_n: 5, accreditation_min_cases: 2 });

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

describe('dataset form: tolerances per quantity', () => {
  const postBody = async (calls: { method: string; body: unknown }[], method = 'POST') => {
    await waitFor(() => expect(calls.some((c) => c.method === method)).toBe(true));
    return JSON.parse(String(calls.find((c) => c.method === method)!.body)) as Record<string, unknown>;
  };

  it('starts a new dataset with the server’s defaults from the OpenAPI schema, each with its unit', async () => {
    const { calls } = mockFetch({ 'POST /api/datasets/': { status: 201, json: dataset } });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} />);
    const d = API_DEFAULTS.DatasetIn;
    expect(screen.getByTestId('dataset-tolerance-dice')).toHaveValue(d.tolerance_dice);
    expect(screen.getByTestId('dataset-tolerance-t1')).toHaveValue(d.tolerance_t1_ms);
    expect(screen.getByTestId('dataset-tolerance-t2')).toHaveValue(d.tolerance_t2_ms);
    expect(screen.getByTestId('dataset-tolerance-t2star')).toHaveValue(d.tolerance_t2star_percent);
    expect(screen.getByTestId('dataset-tolerance-t2star-unit')).toHaveValue('percent');
    expect(screen.getByTestId('dataset-tolerance-wt')).toHaveValue(d.tolerance_wall_thickness_mm);
    expect(screen.getByTestId('dataset-tolerance-hd95')).toHaveValue(null);
    expect(screen.getByText('|Δ T1| at most (ms)')).toBeInTheDocument();
    expect(screen.getByText('|Δ mean wall thickness| at most (mm)')).toBeInTheDocument();
    expect(screen.getByText('|Δ T2*| at most (% of the consensus T2*)')).toBeInTheDocument();
    await user.type(screen.getByTestId('dataset-name'), 'T2* iron');
    await user.click(screen.getByTestId('dataset-submit'));
    expect(await postBody(calls)).toMatchObject({
      tolerance_dice: d.tolerance_dice, tolerance_t1_ms: d.tolerance_t1_ms, tolerance_t2_ms: d.tolerance_t2_ms,
      tolerance_t2star_percent: d.tolerance_t2star_percent, tolerance_t2star_ms: null,
      tolerance_wall_thickness_mm: d.tolerance_wall_thickness_mm, tolerance_hd95_mm: null,
    });
  });

  it('sends a T2* limit in ms instead of the percentage, and an optional HD95 limit', async () => {
    const { calls } = mockFetch({ 'POST /api/datasets/': { status: 201, json: dataset } });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} />);
    await user.type(screen.getByTestId('dataset-name'), 'T2* iron');
    await user.selectOptions(screen.getByTestId('dataset-tolerance-t2star-unit'), 'ms');
    expect(screen.getByText('|Δ T2*| at most (ms)')).toBeInTheDocument();
    await user.clear(screen.getByTestId('dataset-tolerance-t2star'));
    await user.type(screen.getByTestId('dataset-tolerance-t2star'), '2.5');
    await user.type(screen.getByTestId('dataset-tolerance-hd95'), '3');
    await user.click(screen.getByTestId('dataset-submit'));
    expect(await postBody(calls)).toMatchObject({ tolerance_t2star_ms: 2.5, tolerance_t2star_percent: null, tolerance_hd95_mm: 3 });
  });

  it('edits a dataset whose T2* limit is in ms', async () => {
    const ms = datasetFixture({ tolerance_t2star_ms: 3, tolerance_t2star_percent: null, tolerance_hd95_mm: 4 });
    const { calls } = mockFetch({ 'PATCH /api/datasets/2': { json: ms } });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} dataset={ms} />);
    expect(screen.getByTestId('dataset-tolerance-t2star-unit')).toHaveValue('ms');
    expect(screen.getByTestId('dataset-tolerance-t2star')).toHaveValue(3);
    expect(screen.getByTestId('dataset-tolerance-hd95')).toHaveValue(4);
    await user.clear(screen.getByTestId('dataset-tolerance-hd95'));
    await user.click(screen.getByTestId('dataset-submit'));
    expect(await postBody(calls, 'PATCH')).toMatchObject({ tolerance_t2star_ms: 3, tolerance_t2star_percent: null, tolerance_hd95_mm: null });
  });

  it('states the tolerances in one line, with units', () => {
    expect(toleranceSummary(dataset)).toBe(
      'Dice ≥ 0.85 · T1 ±8.4 ms · T2 ±2.2 ms · T2* ±10 % of the consensus · wall thickness ±1.5 mm · HD95 not judged');
    expect(toleranceSummary({ ...dataset, tolerance_t2star_ms: 2, tolerance_hd95_mm: 3 }))
      .toContain('T2* ±2 ms · wall thickness ±1.5 mm · HD95 ≤ 3 mm');
  });
});

describe("dataset form: the experts' own agreement", () => {
  const agreement = {
    dataset_id: 2,
    cases: [{
      case_id: 9, title: 'SC-HF-I-1 frame 59', raters: ['expert 1', 'expert 2'], n_experts: 2, map_quantity: 't1_ms',
      pairs: [],
      mean: { dice: 0.9282, hd95_mm: 1.25, abs_delta_map: 46.16, abs_delta_wall_thickness_mm: 1.25 },
    }],
    proposal: {
      n_cases: 8, n_pairs: 8, max_experts: 2, statistic: 'median over cases',
      tolerances: { tolerance_dice: 0.87, tolerance_t1_ms: 6.2, tolerance_wall_thickness_mm: 1.2, tolerance_hd95_mm: 2.8 },
      basis: [],
    },
  };

  it('offers the proposed tolerances with what they came from, and the button fills the form', async () => {
    const { calls } = mockFetch({
      'GET /api/datasets/2/expert-agreement': { json: agreement },
      'PATCH /api/datasets/2': { json: dataset },
    });
    const user = userEvent.setup();
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} dataset={dataset} />);
    const box = await screen.findByTestId('expert-agreement');
    expect(box).toHaveTextContent(
      'Use the experts’ own agreement: Dice ≥ 0.87, |ΔT1| ≤ 6.2 ms, |ΔWT| ≤ 1.2 mm, HD95 ≤ 2.8 mm from 2 experts on 8 cases (median over cases)');
    const cells = [...screen.getByTestId('expert-agreement-cases').querySelectorAll('tbody td')].map((td) => td.textContent);
    expect(cells).toEqual(['SC-HF-I-1 frame 59', '2', '0.928', '1.25', '46.2 ms', '1.25']);
    expect(screen.getByTestId('dataset-tolerance-dice')).toHaveValue(0.85); // nothing changes before the button
    await user.click(screen.getByTestId('use-expert-agreement'));
    expect(screen.getByTestId('dataset-tolerance-dice')).toHaveValue(0.87);
    expect(screen.getByTestId('dataset-tolerance-t1')).toHaveValue(6.2);
    expect(screen.getByTestId('dataset-tolerance-wt')).toHaveValue(1.2);
    expect(screen.getByTestId('dataset-tolerance-hd95')).toHaveValue(2.8);
    expect(screen.getByTestId('dataset-tolerance-t2')).toHaveValue(2.2); // no T2 cases: the literature value stays
    await user.click(screen.getByTestId('dataset-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const body = JSON.parse(String(calls.find((c) => c.method === 'PATCH')!.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ tolerance_dice: 0.87, tolerance_t1_ms: 6.2, tolerance_wall_thickness_mm: 1.2, tolerance_hd95_mm: 2.8 });
  });

  it('keeps the literature defaults and offers nothing without repeated expert contours', async () => {
    const { calls } = mockFetch({
      'GET /api/datasets/2/expert-agreement': {
        json: { ...agreement, proposal: { ...agreement.proposal, n_cases: 0, n_pairs: 0, max_experts: 0, tolerances: {} } },
      },
    });
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} dataset={dataset} />);
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/expert-agreement'))).toBe(true));
    expect(screen.queryByTestId('expert-agreement')).toBeNull();
    expect(screen.getByTestId('dataset-tolerance-dice')).toHaveValue(0.85);
  });

  it('asks nothing while creating a dataset', () => {
    const { calls } = mockFetch({});
    renderWithProviders(<DatasetForm cohorts={[]} automaticAvailable={false} />);
    expect(calls).toHaveLength(0);
  });
});
