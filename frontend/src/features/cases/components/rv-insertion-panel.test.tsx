import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { Case } from '../api/get-case';
import { RvInsertionPanel, rvInsertionLabel } from './rv-insertion-panel';

const base: Case = {
  id: 7, title: 'Case 7', dataset_id: 2, dataset_name: 'T1 basics', created_at: '2026-12-01T10:00:00Z',
  image: { kind: 't1_map', rows: 160, columns: 208, pixel_spacing_mm: [1.4, 1.5], echo_times_ms: null,
    field_strength_t: 1.5, units: 'ms' },
  n_expert_contours: 0, my_attempts: 0, reference_available: true,
  rv_insertion: { x: 80.25, y: 52.5, confirmed: false },
};

describe('RV insertion panel', () => {
  it('confirms the estimate', async () => {
    const { calls } = mockFetch({ 'PATCH /api/cases/7': { json: { ...base, rv_insertion: { x: 80.25, y: 52.5, confirmed: true } } } });
    const user = userEvent.setup();
    renderWithProviders(<RvInsertionPanel c={base} picking={false} onPickingChange={() => {}} />);
    expect(screen.getByTestId('rv-status')).toHaveTextContent('Estimated from the image at x 80.3, y 52.5');
    await user.click(screen.getByTestId('rv-confirm'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(JSON.parse(String(calls.find((c) => c.method === 'PATCH')!.body))).toEqual({ rv_insertion_confirmed: true });
  });

  it('switches to setting the point by clicking', async () => {
    mockFetch({});
    const onPicking = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<RvInsertionPanel c={base} picking={false} onPickingChange={onPicking} />);
    await user.click(screen.getByTestId('rv-pick'));
    expect(onPicking).toHaveBeenCalledWith(true);
  });

  it('offers only clicking when no point is set, and labels the marker', () => {
    mockFetch({});
    const none = { ...base, rv_insertion: { x: null, y: null, confirmed: false } };
    renderWithProviders(<RvInsertionPanel c={none} picking={false} onPickingChange={() => {}} />);
    expect(screen.queryByTestId('rv-confirm')).toBeNull();
    expect(screen.getByTestId('rv-status')).toHaveTextContent('Not set');
    expect(rvInsertionLabel(none)).toBeNull();
    expect(rvInsertionLabel({ rv_insertion: { x: 1, y: 2, confirmed: true } })).toMatch(/confirmed.*AHA segments/);
  });
});
