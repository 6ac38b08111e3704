import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ExpertConsensusPanel } from './expert-consensus-panel';

describe('ExpertConsensusPanel', () => {
  it('shows STAPLE with each expert’s sensitivity and specificity to three decimals', () => {
    render(<ExpertConsensusPanel consensus={{
      version: 2, method: 'staple', rater: 'STAPLE of 3 experts', n_experts: 3,
      raters: [
        { reference_id: 1, rater: 'expert 1', sensitivity: 0.98765, specificity: 0.99912 },
        { reference_id: 2, rater: 'expert 2', sensitivity: 0.97, specificity: 0.9 },
        { reference_id: 3, rater: 'expert 3', sensitivity: 0.99, specificity: 0.61234 },
      ],
    }} />);
    expect(screen.getByTestId('expert-consensus')).toHaveTextContent('Version 2: STAPLE of 3 experts.');
    const rows = within(screen.getByTestId('expert-reliability')).getAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toHaveTextContent('expert 10.9880.999');
    expect(rows[3]).toHaveTextContent('expert 30.9900.612');
  });

  it('explains a majority vote of two without a reliability table', () => {
    render(<ExpertConsensusPanel consensus={{
      version: 1, method: 'majority', rater: 'majority vote of 2 experts', n_experts: 2,
      raters: [{ reference_id: 1, rater: 'expert 1', sensitivity: null, specificity: null }],
    }} />);
    expect(screen.getByTestId('expert-consensus')).toHaveTextContent('add a third for STAPLE');
    expect(screen.queryByTestId('expert-reliability')).toBeNull();
  });
});
