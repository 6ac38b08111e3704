import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { dataset } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { DatasetLifecycle } from './dataset-lifecycle';

describe('DatasetLifecycle', () => {
  it('archives with a PATCH and deletes only after the confirmation', async () => {
    const { calls } = mockFetch({
      'PATCH /api/datasets/2': { json: dataset({ archived: true }) },
      'DELETE /api/datasets/2': { json: { deleted: true, files_deleted: 4 } },
    });
    renderWithProviders(<DatasetLifecycle dataset={dataset()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Archive' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    fireEvent.click(await screen.findByTestId('dataset-delete-confirm-2'));
    await vi.waitFor(() =>
      expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['PATCH /api/datasets/2', 'DELETE /api/datasets/2']),
    );
    expect(calls[0].body).toBe(JSON.stringify({ archived: true }));
  });
});
