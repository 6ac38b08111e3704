import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { submission } from '@/testing/fixtures';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { UploadForm } from './upload-form';

const user = userEvent.setup();
const pick = (testId: string, files: File[]) => user.upload(screen.getByTestId(testId) as HTMLInputElement, files);

describe('UploadForm', () => {
  it('shows the server detail prominently on a 400', async () => {
    document.cookie = 'csrftoken=t1';
    const { calls } = mockFetch({
      'POST /api/submissions/': { status: 400, json: { detail: 'No contours found: the SAV file holds IMG (256, 256) only.', field: 'contours' } },
    });
    const onCreated = vi.fn();
    renderWithProviders(<UploadForm mode="case" caseId={3} onCreated={onCreated} />);
    expect(screen.getByText(/ENDO_X\/ENDO_Y\/EPI_X\/EPI_Y or a CONTOURS structure or a myocardium mask/)).toBeInTheDocument();
    await pick('upload-contours', [new File(['x'], 'mine.sav')]);
    // jsdom's constraint validation does not see files set by a test, so submit the form directly.
    fireEvent.submit(screen.getByTestId('upload-submit').closest('form')!);
    const box = await screen.findByTestId('upload-error');
    expect(box).toHaveTextContent('No contours found: the SAV file holds IMG (256, 256) only.');
    expect(box).toHaveTextContent('Please fix: Your contour file');
    expect(onCreated).not.toHaveBeenCalled();
    const body = calls[0].body as FormData;
    expect(body.get('case')).toBe('3');
    expect((body.get('contours') as File).name).toBe('mine.sav');
    expect(calls[0].headers['x-csrftoken']).toBe('t1');
  });

  it('hands the new submission over on 201', async () => {
    mockFetch({ 'POST /api/practice/': { status: 201, json: submission({ id: 42, status: 'queued', practice: true }) } });
    const onCreated = vi.fn();
    renderWithProviders(<UploadForm mode="practice" onCreated={onCreated} />);
    await pick('upload-contours', [new File(['x'], 'mine.sav')]);
    await pick('upload-image', [new File(['d'], 'a.dcm'), new File(['d'], 'b.dcm')]);
    // jsdom's constraint validation does not see files set by a test, so submit the form directly.
    fireEvent.submit(screen.getByTestId('upload-submit').closest('form')!);
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(onCreated.mock.calls[0][0].id).toBe(42);
  });
});
