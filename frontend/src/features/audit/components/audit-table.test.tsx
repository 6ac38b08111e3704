import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { AuditLog } from './audit-table';

const view = {
  at: '2026-01-02T10:00:00Z', entry: 'access', actor_id: 11, actor: 'alice', action: 'view', object_type: 'image',
  object_id: '3', object: "case 3 'Mid T1'", changes: {}, path: '/api/cases/3/pixels',
};
const change = {
  at: '2026-01-02T09:00:00Z', entry: 'change', actor_id: 1, actor: 'sue', action: 'update', object_type: 'case',
  object_id: '3', object: 'Mid T1', changes: { title: ['Old', 'Mid T1'] }, path: '',
};

describe('AuditLog', () => {
  it('lists accesses and changes, and filters by user through the query string and the export link', async () => {
    const { calls } = mockFetch({
      'GET /api/audit/': { json: [view, change] },
      'GET /api/audit/?user=11': { json: [view] },
    });
    renderWithProviders(<AuditLog />);
    const table = await screen.findByTestId('audit-table');
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(table).toHaveTextContent("image case 3 'Mid T1'");
    expect(table).toHaveTextContent('title: Old → Mid T1');
    fireEvent.change(screen.getByTestId('audit-user'), { target: { value: '11' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    await screen.findByText(/alice \(11\)/);
    expect(calls.map((c) => c.url)).toContain('/api/audit/?user=11');
    expect(screen.getByTestId('audit-export').getAttribute('href')).toBe('/api/audit/export.csv?user=11');
  });
});
