import { test, expect } from '@playwright/test';
import { createAccount, regenerateKeyWithCli, signIn, waitHydrated } from './helpers';

test('every page hydrates and works under the CSP, with no violation reported', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Refused to: CSP violation ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const account = createAccount();
  await signIn(page, account);
  for (const path of ['/databases', '/users', '/whitelist', '/profile', '/activity']) {
    const response = await page.goto(path);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' 'nonce-");
    expect(policy).not.toContain('unsafe-inline');
    await waitHydrated(page);
  }
  // Hydrated means interactive: the account menu opens and navigates.
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Profile' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'API Key' })).toBeVisible();
  expect(violations).toEqual([]);
});

test('the Activity page lists the account\'s events, newest first', async ({ page }) => {
  const account = createAccount();
  regenerateKeyWithCli(account);
  await signIn(page, account);
  await page.goto('/activity');
  await waitHydrated(page);
  await expect(page.getByRole('heading', { name: 'Activity' })).toBeVisible();
  const rows = page.locator('table.data-table tbody tr');
  await expect(rows.first()).toContainText('sign_in');
  await expect(rows.first()).toContainText('session');
  await expect(rows.nth(1)).toContainText('api_key_regenerated');
  await expect(rows.nth(1)).toContainText('cli');
  await expect(page.getByRole('button', { name: 'Older' })).toBeDisabled();
});
