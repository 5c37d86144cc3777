import { test, expect } from '@playwright/test';
import { createAccount, signIn, waitHydrated } from './helpers';

test('add a whitelist entry with a note, see it, delete it', async ({ page }) => {
  const account = createAccount();
  await signIn(page, account);
  await page.goto('/whitelist');
  await waitHydrated(page);
  await expect(page.getByText('No remote hosts yet')).toBeVisible();

  // "Add my current IP" fills in the address this browser connects from.
  await page.getByRole('button', { name: 'Add my current IP' }).click();
  await expect(page.getByLabel('Host or network')).toHaveValue('127.0.0.1');

  // Wide ranges and % are warned about before anything is sent.
  await page.getByLabel('Host or network').fill('%');
  await expect(page.getByRole('status')).toContainText('every host');
  await page.getByLabel('Host or network').fill('10.0.0.0/8');
  await expect(page.getByRole('status')).toContainText('very wide');

  await page.getByLabel('Host or network').fill('203.0.113.0/24');
  await page.getByLabel('Note').fill('Office network');
  await page.getByRole('button', { name: 'Add to whitelist' }).click();
  const row = page.getByRole('row').filter({ hasText: '203.0.113.0/24' });
  await expect(row).toContainText('Office network');

  await page.getByLabel('Host or network').fill('999.1.1.1');
  await page.getByRole('button', { name: 'Add to whitelist' }).click();
  await expect(page.getByRole('alert')).toContainText('is not an IPv4 address');

  await page.reload();
  await waitHydrated(page);
  await expect(row).toContainText('Office network');
  await page.getByRole('button', { name: 'Remove 203.0.113.0/24' }).click();
  const confirm = page.getByRole('dialog');
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(confirm).toBeHidden(); // until then the page behind it is out of the accessibility tree
  await expect(row).toBeHidden();
  await expect(page.getByText('No remote hosts yet')).toBeVisible();
});
