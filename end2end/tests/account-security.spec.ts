import { test, expect } from '@playwright/test';
import { createAccount, signIn, submitSignIn, waitHydrated } from './helpers';

test('changing the password on Profile signs the other session out and the new password works', async ({ browser, page }) => {
  const account = createAccount();
  // Another browser signed in to the same account.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, account);

  await signIn(page, account);
  await page.goto('/profile');
  await waitHydrated(page);
  const password = page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill(account.password);
  await password.getByLabel('New password').fill('a new password for e2e');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByRole('status')).toHaveText('Password changed. 1 other session was signed out.');
  await expect(password.getByLabel('New password')).toHaveValue('');

  // The other browser is signed out; this one is not.
  await otherPage.goto('/profile');
  await expect(otherPage).toHaveURL(/\/login/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();

  // The new password signs in; the old one no longer does.
  const fresh = await browser.newContext();
  const freshPage = await fresh.newPage();
  await freshPage.goto('/login');
  await waitHydrated(freshPage);
  await submitSignIn(freshPage, account.email, account.password);
  await expect(freshPage.getByRole('alert')).toContainText('Invalid email or password');
  await submitSignIn(freshPage, account.email, 'a new password for e2e');
  await expect(freshPage).not.toHaveURL(/\/login/);
  await Promise.all([other.close(), fresh.close()]);
});

test('Profile lists the sessions, marks this device, and signs out another one', async ({ browser, page }) => {
  const account = createAccount();
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, account);

  await signIn(page, account);
  await page.goto('/profile');
  await waitHydrated(page);
  const sessions = page.getByRole('region', { name: 'Sessions' });
  const rows = sessions.getByTestId('session-row');
  await expect(rows).toHaveCount(2);
  await expect(sessions.locator('[data-current="true"]')).toContainText('This device');
  await sessions.locator('[data-current="false"]').getByRole('button', { name: /^Sign out/ }).click();
  await expect(rows).toHaveCount(1);

  await otherPage.goto('/profile');
  await expect(otherPage).toHaveURL(/\/login/);
  await other.close();
});
