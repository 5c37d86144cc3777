import { test, expect } from '@playwright/test';
import { createAccount, signIn, submitSignIn, waitHydrated } from './helpers';

// The server may or may not percent-encode the `/` in `next`; both are valid query strings.
const loginForProfile = (url: URL) => url.pathname === '/login' && url.searchParams.get('next') === '/profile';

test('a page without a session redirects to sign-in and comes back after it', async ({ page }) => {
  const account = createAccount();
  await page.goto('/profile');
  await expect(page).toHaveURL(loginForProfile);
  await waitHydrated(page);
  await submitSignIn(page, account.email, account.password);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile', exact: true })).toBeVisible();
});

test('a wrong password or an unknown email is refused with the same message', async ({ page }) => {
  const account = createAccount();
  for (const [email, password] of [
    [account.email, account.password + 'x'],
    [`nobody-${account.prefix}@example.test`, account.password],
  ]) {
    // A fresh page per attempt, so the alert cannot be the previous attempt's.
    await page.goto('/login');
    await waitHydrated(page);
    await submitSignIn(page, email, password);
    await expect(page.getByRole('alert')).toHaveText('Invalid email or password.');
    await expect(page).toHaveURL(/\/login$/);
  }
});

test('signing in lands on the databases page', async ({ page }) => {
  await signIn(page, createAccount());
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Databases', exact: true })).toBeVisible();
});

test('the account menu leads to the profile and signs out', async ({ page }) => {
  const account = createAccount();
  await signIn(page, account);

  await page.getByRole('button', { name: 'Account menu' }).click();
  await expect(page.getByRole('menu')).toBeVisible();
  await page.getByRole('menuitem', { name: 'Profile' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Account', exact: true })).toContainText(account.email);
  const apiKey = page.getByRole('region', { name: 'API Key' });
  await expect(apiKey.getByRole('heading', { name: 'API Key' })).toBeVisible();
  await expect(apiKey).toContainText('No API key yet');

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/profile');
  await expect(page).toHaveURL(loginForProfile);
});
