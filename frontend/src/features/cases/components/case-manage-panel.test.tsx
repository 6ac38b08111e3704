import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import type { Case } from '../api/get-case';
import { CaseManagePanel } from './case-manage-panel';

const c = {
  id: 3, title: 'Mid T1', dataset_id: 2, dataset_name: 'T1', created_at: '2025-01-01T00:00:00Z', practice: false,
  image: { kind: 't1_map', rows: 10, columns: 10, pixel_spacing_mm: [1, 1], echo_times_ms: null, field_strength_t: null, units: 'ms' },
  n_expert_contours: 0, my_attempts: 1, reference_available: true, archived: false,
} as unknown as Case;

const versions = [
  { id: 8, kind: 'gold_standard', version: 1, rater: 'expert consensus', created_at: '2025-01-01T00:00:00Z', current: true, n_evaluations: 2 },
];

describe('CaseManagePanel', () => {
  it('archives, replaces the gold standard (showing the re-evaluations queued) and deletes after a confirmation', async () => {
    const { calls } = mockFetch({
      'GET /api/cases/3/references': { json: versions },
      'PATCH /api/cases/3': { json: { ...c, archived: true } },
      'POST /api/cases/3/references': {
        status: 201,
        json: { references: [{ ...versions[0], id: 9, version: 2 }], reevaluations_queued: [4, 5] },
      },
      'DELETE /api/cases/3': { json: { deleted: true, files_deleted: 9 } },
    });
    const onDeleted = vi.fn();
    renderWithProviders(<CaseManagePanel c={c} onDeleted={onDeleted} />);
    expect(await screen.findByTestId('reference-versions')).toHaveTextContent('Gold standard (expert consensus) · current');
    fireEvent.click(screen.getByTestId('case-archive'));
    fireEvent.change(screen.getByTestId('replace-gold'), { target: { files: [new File(['x'], 'gold.sav')] } });
    fireEvent.click(screen.getByRole('button', { name: 'Replace contours' }));
    expect(await screen.findByTestId('replace-done')).toHaveTextContent('version 2; 2 submission(s) queued');
    const post = calls.find((r) => r.method === 'POST');
    expect((post?.body as FormData).get('gold_standard')).toBeInstanceOf(File);
    expect(calls.find((r) => r.method === 'PATCH')?.body).toBe(JSON.stringify({ archived: true }));
    fireEvent.click(screen.getByTestId('case-delete'));
    fireEvent.click(screen.getByTestId('case-delete-confirm'));
    await vi.waitFor(() => expect(onDeleted).toHaveBeenCalled());
  });
});
