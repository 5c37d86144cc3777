import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createAccount, dropAccountDatabases, mariadb, mariadbOutput, signIn, waitHydrated } from './helpers';

const ROWS = 300;

test('the Backups tab backs up, downloads, restores into a new database (verified), deletes, imports and schedules', async ({ page }) => {
  test.setTimeout(180_000);
  const account = createAccount();
  const db = `${account.prefix}_shop`;
  const restored = `${db}_restored`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nobregas-import-'));
  // Hydration mismatches and panics of the WASM show up here.
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  try {
    const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'item ${i + 1} ✓', ${(i * 7) % 13}.25)`).join(',');
    mariadb(
      `CREATE DATABASE \`${db}\`;` +
        `CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, item VARCHAR(40) NOT NULL, price DECIMAL(8,2) NOT NULL) DEFAULT CHARSET utf8mb4;` +
        `INSERT INTO \`${db}\`.orders VALUES ${values};`,
    );
    await signIn(page, account);
    await page.goto(`/databases/${db}/backups`);
    await waitHydrated(page);
    const tabs = page.getByRole('navigation', { name: 'Database' });
    await expect(tabs.getByRole('link', { name: 'Backups' })).toHaveAttribute('aria-current', 'page');
    const backups = page.getByRole('region', { name: 'Backups', exact: true });
    await expect(backups.getByText(/No backups yet/)).toBeVisible();

    // Back up now: the row appears and reaches "completed" without the page being loaded again.
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
    await backups.getByRole('button', { name: 'Back up now' }).click();
    const row = backups.getByRole('row').filter({ hasText: 'manual' });
    await expect(row).toHaveCount(1);
    await expect(row.getByText('completed', { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(row.getByRole('progressbar', { name: 'Backup progress' })).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

    // Download: a gzip file named after the database and the moment.
    const download = row.getByRole('link', { name: 'Download' });
    const href = await download.getAttribute('href');
    expect(href).toMatch(/^\/api\/backups\/[^/]+\/download$/);
    const downloading = page.waitForEvent('download');
    await download.click();
    const file = await downloading;
    expect(file.suggestedFilename()).toMatch(new RegExp(`^${db}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z\\.sql\\.gz$`));
    const bytes = fs.readFileSync(await file.path());
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(zlib.gunzipSync(bytes).toString('utf8')).toContain('item 300 ✓');

    // Restore: a new database by default; an existing one only once its name is typed.
    await row.getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore backup' });
    const target = dialog.getByRole('textbox', { name: 'Target database' });
    await expect(target).toHaveValue(restored);
    await expect(dialog).toContainText('safe default');
    const submit = dialog.getByRole('button', { name: 'Restore', exact: true });
    await expect(submit).toBeEnabled();
    await target.fill(db);
    const confirm = dialog.getByRole('textbox', { name: 'Type the database name to confirm' });
    await expect(confirm).toBeVisible();
    await expect(dialog).toContainText('will be overwritten');
    await expect(submit).toBeDisabled();
    await confirm.fill(db);
    await expect(submit).toBeEnabled();
    await target.fill(restored);
    await expect(confirm).toBeHidden();
    await submit.click();
    await expect(dialog).toBeHidden();

    // It is followed on the target's own tab (client-side navigation through the link).
    const started = page.getByRole('status').filter({ hasText: `Restore started into ${restored}` });
    await expect(started).toBeVisible();
    await started.getByRole('link', { name: restored }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${restored}/backups$`));
    await expect(page.getByRole('heading', { level: 1, name: restored })).toBeVisible();
    const restoredJobs = page.getByRole('region', { name: 'Restores and imports' });
    const restoreRow = restoredJobs.getByRole('row').filter({ hasText: 'Restore' });
    await expect(restoreRow.getByText('Verified', { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(restoreRow.getByText('completed', { exact: true })).toBeVisible();
    expect(mariadbOutput(`SELECT COUNT(*), SUM(price) FROM \`${restored}\`.orders`)).toBe(
      mariadbOutput(`SELECT COUNT(*), SUM(price) FROM \`${db}\`.orders`),
    );
    expect(mariadbOutput(`SELECT COUNT(*) FROM \`${restored}\`.orders`).trim()).toBe(String(ROWS));

    // Delete the backup on the original database's tab: the row and the file are gone.
    await page.goto(`/databases/${db}/backups`);
    await waitHydrated(page);
    await backups.getByRole('row').filter({ hasText: 'manual' }).getByRole('button', { name: 'Delete' }).click();
    const confirmDelete = page.getByRole('dialog', { name: 'Delete this backup?' });
    await confirmDelete.getByRole('button', { name: 'Delete' }).click();
    await expect(confirmDelete).toBeHidden();
    await expect(backups.getByRole('row').filter({ hasText: 'manual' })).toHaveCount(0);
    await expect(backups.getByText(/No backups yet/)).toBeVisible();
    expect((await page.request.get(href!)).status()).toBe(404);

    // Import a file: the job completes (nothing to verify it against) and the rows are there.
    const jobs = page.getByRole('region', { name: 'Restores and imports' });
    const good = path.join(dir, 'imported.sql');
    fs.writeFileSync(good, 'CREATE TABLE imported (id INT PRIMARY KEY);\nINSERT INTO imported VALUES (1),(2),(3);\n');
    await jobs.getByLabel('SQL file').setInputFiles(good);
    await jobs.getByRole('button', { name: 'Import', exact: true }).click();
    const imports = jobs.getByRole('row').filter({ hasText: 'Import' });
    await expect(imports).toHaveCount(1);
    await expect(imports.getByText('completed', { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(imports.getByText('Not verified (no manifest)')).toBeVisible();
    expect(mariadbOutput(`SELECT COUNT(*) FROM \`${db}\`.imported`).trim()).toBe('3');

    // A failing statement is reported with its line and MariaDB's number.
    const bad = path.join(dir, 'bad.sql');
    fs.writeFileSync(bad, 'CREATE TABLE broken (id INT);\nINSERT INTO broken VALUES (1);\nINSERTT INTO broken VALUES (2);\n');
    await jobs.getByLabel('SQL file').setInputFiles(bad);
    await jobs.getByRole('button', { name: 'Import', exact: true }).click();
    const failed = imports.filter({ hasText: 'failed' });
    await expect(failed).toHaveCount(1, { timeout: 60_000 });
    await expect(failed).toContainText(/line 3: Error 1064/);

    // The daily backup: set, shown as a sentence, removed.
    const schedule = page.getByRole('region', { name: 'Daily backup' });
    await expect(schedule).toContainText('No daily backup yet');
    await schedule.getByLabel('Time (UTC)').fill('04:30');
    await schedule.getByLabel('Keep').fill('5');
    await schedule.getByRole('button', { name: 'Save schedule' }).click();
    await expect(schedule).toContainText('Every day at 04:30 UTC, keeping 5');
    await schedule.getByRole('button', { name: 'Remove schedule' }).click();
    await expect(schedule).toContainText('No daily backup yet');
    expect(pageErrors).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    dropAccountDatabases(account.prefix);
  }
});
