import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createAccount, dropAccountDatabases, mariadb, signIn, waitHydrated } from './helpers';

/** Axe's findings inside the page's main content (a dialog, when one is open, is in it too). */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).include('main').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

// The test server's MariaDB writes no binary log, so the section says why there is no window.
test('the Backups tab says why a point-in-time restore is not available, accessibly', async ({ page }) => {
  const account = createAccount();
  const db = `${account.prefix}_shop`;
  // Hydration mismatches and panics of the WASM show up here.
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  try {
    mariadb(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY);`);
    await signIn(page, account);
    await page.goto(`/databases/${db}/backups`);
    await waitHydrated(page);

    const section = page.getByRole('region', { name: 'Restore to a point in time' });
    await expect(section.getByRole('heading', { name: 'Restore to a point in time' })).toBeVisible();
    await expect(section).toContainText('not available');
    await expect(section.getByLabel('Point in time (UTC)')).toHaveCount(0);
    await expect(section.getByRole('button', { name: 'Restore to this point' })).toHaveCount(0);

    await expectAccessible(page);
    expect(pageErrors).toEqual([]);
  } finally {
    dropAccountDatabases(account.prefix);
  }
});
