import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '@/testing/render';
import type { CohortAccreditation } from '../api/get-cohort-accreditation';
import { CohortAccreditationTable } from './cohort-accreditation-table';

const ds = (id: number, name: string, met: boolean, within: number, required: number) => ({
  dataset_id: id, dataset_name: name, rule: `rule of ${name}`, last_n: 3, min_cases: required, met,
  cases_within: within, required, explanation: `${name}: ${met ? 'Met' : 'Not met'}`, cases: [],
});

const DATA: CohortAccreditation = {
  cohort_id: 4,
  rows: [
    { trainee_id: 11, full_name: 'Alice Trainee', username: 'alice', datasets: [ds(1, 'Native T1', true, 3, 3), ds(2, 'T2', false, 1, 2)] },
    { trainee_id: 12, full_name: '', username: 'carol', datasets: [ds(1, 'Native T1', false, 0, 3), ds(2, 'T2', true, 2, 2)] },
  ],
};

describe('CohortAccreditationTable', () => {
  it('gives each trainee a status per dataset, with a column per dataset', () => {
    renderWithProviders(<CohortAccreditationTable data={DATA} />);
    expect(screen.getByRole('columnheader', { name: 'Accreditation: Native T1' })).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: 'Accreditation: T2' })).toBeInTheDocument();
    expect(screen.getByTestId('acc-11-1')).toHaveTextContent('✓ met 3 of 3 cases');
    expect(screen.getByTestId('acc-11-2')).toHaveTextContent('✗ not met 1 of 2 cases');
    expect(screen.getByTestId('acc-12-2')).toHaveAttribute('title', 'T2: Met');
    expect(screen.getByRole('link', { name: 'carol' })).toHaveAttribute('href', '/trainees/12');
  });
});
