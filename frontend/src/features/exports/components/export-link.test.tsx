import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ExportLink, resultsCsvUrl } from './export-link';

describe('ExportLink', () => {
  it('links to the results CSV of its scope as a download', () => {
    render(<ExportLink scope="cohort" id={5} />);
    const a = screen.getByTestId('export-cohort');
    expect(a.getAttribute('href')).toBe('/api/exports/results.csv?cohort=5');
    expect(a.hasAttribute('download')).toBe(true);
    expect(resultsCsvUrl('trainee', 11)).toBe('/api/exports/results.csv?trainee=11');
  });
});
