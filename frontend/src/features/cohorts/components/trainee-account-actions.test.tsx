import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { TraineeAccountActions } from './trainee-account-actions';

const alice = { id: 7, username: 'alice', full_name: 'Alice Trainee', is_active: true, directory: false };

afterEach(() => vi.restoreAllMocks());

describe('TraineeAccountActions', () => {
  it('resets the password after a confirmation and shows the temporary one once', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { calls } = mockFetch({
      'POST /api/trainees/7/password': { json: { user: { ...alice, role: 'trainee' }, password: 'abcd-EFGH-2345', temporary: true } },
    });
    renderWithProviders(<TraineeAccountActions trainee={alice} />);
    await userEvent.setup().click(screen.getByTestId('reset-password-7'));
    expect(await screen.findByTestId('temporary-password-7')).toHaveTextContent('abcd-EFGH-2345');
    expect(calls[0].method).toBe('POST');
    expect(JSON.parse(String(calls[0].body))).toEqual({});
  });

  it('deactivates after a confirmation, and offers reactivation for a deactivated trainee', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { calls } = mockFetch({ 'PATCH /api/trainees/7/account': { json: { ...alice, role: 'trainee', is_active: false } } });
    const { unmount } = renderWithProviders(<TraineeAccountActions trainee={alice} />);
    await userEvent.setup().click(screen.getByTestId('set-active-7'));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(JSON.parse(String(calls[0].body))).toEqual({ is_active: false });
    unmount();
    renderWithProviders(<TraineeAccountActions trainee={{ ...alice, is_active: false }} />);
    expect(screen.getByTestId('trainee-deactivated-7')).toHaveTextContent('Deactivated');
    expect(screen.getByTestId('set-active-7')).toHaveTextContent('Reactivate');
  });

  it('offers no password reset for a hospital-directory account', () => {
    mockFetch({});
    renderWithProviders(<TraineeAccountActions trainee={{ ...alice, directory: true }} />);
    expect(screen.queryByTestId('reset-password-7')).not.toBeInTheDocument();
    expect(screen.getByText('Hospital account')).toBeInTheDocument();
  });
});
