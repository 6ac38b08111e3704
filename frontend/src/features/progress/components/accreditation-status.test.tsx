import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DatasetAccreditation } from '../api/get-trainee-accreditation';
import { AccreditationStatus, accreditationHeadline } from './accreditation-status';

function ds(overrides: Partial<DatasetAccreditation>): DatasetAccreditation {
  return {
    dataset_id: 1, dataset_name: 'Native T1', rule: 'Accredited when, on at least 3 distinct cases, ...', last_n: 3,
    min_cases: 3, met: false, cases_within: 2, required: 3, explanation: 'Not met: 2 cases of 3 attempted ...',
    cases: [], ...overrides,
  };
}

describe('AccreditationStatus', () => {
  it('states the numbers of each dataset in a headline', () => {
    expect(accreditationHeadline(ds({}))).toBe(
      'Accreditation: 2 of 3 cases — the last 3 submissions on 2 cases are within every tolerance',
    );
    expect(accreditationHeadline(ds({ last_n: 1, cases_within: 1, required: 1 }))).toBe(
      'Accreditation: 1 of 1 case — the last submission on 1 case is within every tolerance',
    );
  });

  it('shows one box per dataset, met or not, with its explanation and rule', () => {
    render(<AccreditationStatus datasets={[ds({}), ds({ dataset_id: 2, dataset_name: 'T2', met: true, cases_within: 1, required: 1, last_n: 1 })]} />);
    expect(screen.getByTestId('accreditation-1')).toHaveTextContent('✗ not met yet');
    expect(screen.getByTestId('accreditation-1')).toHaveTextContent('Not met: 2 cases of 3 attempted');
    expect(screen.getByTestId('accreditation-2')).toHaveTextContent('✓ met');
  });
});
