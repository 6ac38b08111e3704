import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';
import { PasswordForm } from './password-form';

async function fill(oldPw: string, newPw: string, repeat = newPw) {
  const user = userEvent.setup();
  await user.type(screen.getByTestId('password-old'), oldPw);
  await user.type(screen.getByTestId('password-new'), newPw);
  await user.type(screen.getByTestId('password-repeat'), repeat);
  await user.click(screen.getByTestId('password-submit'));
}

describe('PasswordForm', () => {
  it('sends the current and the new password with the CSRF header and says when it is done', async () => {
    const { calls } = mockFetch({ 'POST /api/auth/password': { json: { user: { id: 1, username: 'alice', full_name: 'Alice', role: 'trainee' } } } });
    document.cookie = 'csrftoken=tok';
    renderWithProviders(<PasswordForm />);
    await fill('old-secret', 'violet-harbour-42');
    expect(await screen.findByTestId('password-changed')).toHaveTextContent('Your password was changed.');
    expect(JSON.parse(String(calls[0].body))).toEqual({ old_password: 'old-secret', new_password: 'violet-harbour-42' });
    expect(calls[0].headers['x-csrftoken']).toBe('tok');
    expect(screen.getByTestId('password-new')).toHaveValue('');
  });

  it("shows the site's password rules' own message and marks the field", async () => {
    mockFetch({
      'POST /api/auth/password': {
        status: 400,
        json: { detail: 'This password is too short. It must contain at least 10 characters.', field: 'new_password' },
      },
    });
    renderWithProviders(<PasswordForm />);
    await fill('old-secret', 'short');
    expect(await screen.findByRole('alert')).toHaveTextContent('This password is too short');
    expect(screen.getByTestId('password-new')).toHaveAttribute('aria-invalid', 'true');
  });

  it('refuses two different new passwords without asking the server', async () => {
    const { calls } = mockFetch({});
    renderWithProviders(<PasswordForm />);
    await fill('old-secret', 'violet-harbour-42', 'violet-harbour-43');
    expect(await screen.findByText('The two new passwords differ.')).toBeInTheDocument();
    expect(calls).toHaveLength(0);
  });
});
