import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { submission } from '@/testing/fixtures';
import { EvaluationHistory } from './evaluation-history';

describe('EvaluationHistory', () => {
  it('shows nothing without earlier results', () => {
    const { container } = render(<EvaluationHistory submission={submission()} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('lists each earlier result with the consensus version it used', () => {
    const s = submission({
      consensus: { source: 'gold_standard', label: 'Gold standard', version: 2, contributors: 1, model_version: null },
      history: [{ consensus_source: 'gold_standard', consensus_version: 1, finished_at: null, superseded_at: '2026-01-02T10:00:00Z',
        dice: 0.05, hd95_mm: 12.34, verdict: 'outside' }],
    });
    render(<EvaluationHistory submission={s} />);
    const table = screen.getByTestId('evaluation-history');
    expect(table).toHaveTextContent('consensus version 2');
    expect(table).toHaveTextContent('0.050');
    expect(table).toHaveTextContent('12.3');
    expect(table).toHaveTextContent('outside');
  });
});
