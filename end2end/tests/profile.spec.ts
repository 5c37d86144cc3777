import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createAccount, mariadb, maskedKey, panel, regenerateKeyWithCli, signIn, waitHydrated } from './helpers';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

async function openProfile(page: Page) {
  await page.goto('/profile');
  await waitHydrated(page);
}

test('cancelling or escaping the confirmation keeps the current key', async ({ page }) => {
  const account = createAccount();
  const key = regenerateKeyWithCli(account);
  await signIn(page, account);
  await openProfile(page);
  const masked = page.getByTestId('masked-key');
  await expect(masked).toHaveText(maskedKey(key));

  const confirm = page.getByRole('dialog', { name: 'Regenerate API key?' });
  await page.getByRole('button', { name: 'Regenerate API key' }).click();
  await expect(confirm).toBeVisible();
  await expect(confirm).toHaveAttribute('aria-modal', 'true');
  await expect.poll(() => confirm.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  await expect(confirm).toContainText('will be invalidated');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(masked).toHaveText(maskedKey(key));
  expect((await page.request.get('/api/databases', { headers: bearer(key) })).status()).toBe(200);

  await page.getByRole('button', { name: 'Regenerate API key' }).click();
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(masked).toHaveText(maskedKey(key));
  expect((await page.request.get('/api/databases', { headers: bearer(key) })).status()).toBe(200);
});

test('a generated key is shown once, copies exactly, and replaces the old one', async ({ page, context, baseURL }) => {
  const account = createAccount();
  const oldKey = regenerateKeyWithCli(account);
  const database = `${account.prefix}_shop`;
  mariadb(`CREATE DATABASE \`${database}\``);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    await signIn(page, account);
    await openProfile(page);

    await page.getByRole('button', { name: 'Regenerate API key' }).click();
    await page.getByRole('dialog', { name: 'Regenerate API key?' }).getByRole('button', { name: 'Generate' }).click();
    const reveal = page.getByRole('dialog', { name: 'Your new API key' });
    await expect(reveal.getByRole('heading', { name: 'Your new API key' })).toBeVisible();
    await expect(reveal).toContainText('will not be shown again');
    const shown = reveal.getByTestId('new-api-key');
    await expect(shown).toHaveText(/^nbg_[0-9A-Za-z]{36}$/);
    const newKey = (await shown.textContent())!;

    await reveal.getByRole('button', { name: 'Copy' }).click();
    await expect(reveal.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newKey);

    const ok = await page.request.get('/api/databases', { headers: bearer(newKey) });
    expect(ok.status()).toBe(200);
    const { databases } = await ok.json();
    expect(databases.map((db: { name: string }) => db.name)).toContain(database);

    const refused = await page.request.get('/api/databases', { headers: bearer(oldKey) });
    expect(refused.status()).toBe(401);
    expect((await refused.json()).error.code).toBe('unauthorized');
    expect(refused.headers()['www-authenticate']).toContain('Bearer');

    await reveal.getByRole('button', { name: 'Done' }).click();
    await expect(reveal).toBeHidden();
    const masked = page.getByTestId('masked-key');
    await expect(masked).toHaveText(maskedKey(newKey));

    await page.reload();
    await waitHydrated(page);
    await expect(masked).toHaveText(maskedKey(newKey));
    expect(await page.content()).not.toContain(newKey);
  } finally {
    mariadb(`DROP DATABASE IF EXISTS \`${database}\``);
  }
});

test('a key reported as exposed stops working and Profile says why', async ({ page }) => {
  const account = createAccount();
  const key = regenerateKeyWithCli(account);
  // Whoever found it reports it, without signing in.
  const reported = await page.request.post('/api/keys/revoke', { data: { key } });
  expect(reported.status()).toBe(202);
  expect((await page.request.get('/api/databases', { headers: bearer(key) })).status()).toBe(401);

  await signIn(page, account);
  await openProfile(page);
  const notice = page.getByTestId('key-revoked');
  await expect(notice).toContainText('Your key was revoked on');
  await expect(notice).toContainText('because it was reported as exposed');
  await expect(page.getByTestId('masked-key')).toHaveCount(0);
});

test('a key sent over plain http from another machine is refused and Profile says to regenerate it', async ({ page }) => {
  const account = createAccount();
  const key = regenerateKeyWithCli(account);
  // As the trusted proxy in front of the panel (127.0.0.1, see playwright.config.ts) forwards it.
  const refused = await page.request.post('/api/whitelist', {
    headers: { ...bearer(key), 'X-Forwarded-For': '198.51.100.23', 'X-Forwarded-Proto': 'http' },
    data: { host: '203.0.113.9' },
  });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe('https_required');
  await signIn(page, account);
  await openProfile(page);
  const warning = page.getByTestId('key-sent-insecurely');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('198.51.100.23');
  await expect(warning).toContainText('regenerate it');
});

test('Profile shows the key\'s policy and warns before it expires', async ({ page }) => {
  const account = createAccount();
  // Nine days and a half from now: "in 10 days" (days are rounded up).
  const expiresAt = new Date(Date.now() + 9.5 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const key = panel([
    'key', 'regenerate', '--email', account.email,
    '--expires-at', expiresAt, '--allow', '127.0.0.0/8', '--read-only', '--revoke-after-unused-days', '90',
  ]).trim().split('\n').pop()!;
  expect((await page.request.get('/api/databases', { headers: bearer(key) })).status()).toBe(200);
  await signIn(page, account);
  await openProfile(page);
  await expect(page.getByTestId('key-expiring')).toContainText('expires in 10 days');
  await expect(page.getByTestId('key-expiring')).toContainText(expiresAt);
  await expect(page.getByTestId('key-access')).toHaveText('Read-only');
  await expect(page.getByTestId('key-expires')).toHaveText(expiresAt);
  await expect(page.getByTestId('key-networks')).toHaveText('127.0.0.0/8');
  await expect(page.getByTestId('key-unused')).toHaveText('After 90 days unused');
  const results = await new AxeBuilder({ page }).include('main').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

test('the regenerate dialog issues a read-only key that expires on a date, and both dialogs say so', async ({ page }) => {
  const account = createAccount();
  const oldKey = regenerateKeyWithCli(account);
  await signIn(page, account);
  await openProfile(page);

  await page.getByRole('button', { name: 'Regenerate API key' }).click();
  const confirm = page.getByRole('dialog', { name: 'Regenerate API key?' });
  await expect(confirm.getByLabel('Expires')).toHaveValue('never');
  await expect(confirm.getByRole('radio', { name: /^Full/ })).toBeChecked();
  const axe = await new AxeBuilder({ page }).include('[role="dialog"]').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  const day = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10);
  await confirm.getByLabel('Expires').selectOption('date');
  await confirm.getByLabel(/^Expiry date/).fill(day);
  await confirm.getByLabel('Allowed networks').fill('127.0.0.0/8, ::1');
  await confirm.getByRole('radio', { name: /^Read-only/ }).check();
  await confirm.getByRole('button', { name: 'Generate' }).click();

  const expiresAt = `${day}T23:59:59Z`;
  const reveal = page.getByRole('dialog', { name: 'Your new API key' });
  const newKey = (await reveal.getByTestId('new-api-key').textContent())!;
  await expect(reveal.getByTestId('key-access')).toHaveText('Read-only');
  await expect(reveal.getByTestId('key-expires')).toHaveText(expiresAt);
  await expect(reveal.getByTestId('key-networks')).toHaveText('127.0.0.0/8, ::1');

  // Read-only: it reads, and changing anything is 403 api_key_read_only.
  expect((await page.request.get('/api/databases', { headers: bearer(newKey) })).status()).toBe(200);
  const refused = await page.request.post('/api/databases', {
    headers: bearer(newKey),
    data: { name: `${account.prefix}_shop` },
  });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe('api_key_read_only');
  expect((await page.request.get('/api/databases', { headers: bearer(oldKey) })).status()).toBe(401);

  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('key-access')).toHaveText('Read-only');
  await expect(page.getByTestId('key-expires')).toHaveText(expiresAt);
  await expect(page.getByTestId('key-networks')).toHaveText('127.0.0.0/8, ::1');
});
