import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createAccount, signIn, waitHydrated } from './helpers';

/** What MariaDB itself says (tab-separated, no headers). */
function query(sql: string): string {
  return execFileSync('mariadb', ['-uroot', '-h127.0.0.1', '-N', '-B', '--raw', '-e', sql], { encoding: 'utf8' });
}

test('create a database and a user, grant Read only, see it listed, delete both', async ({ page }) => {
  const account = createAccount();
  const db = `${account.prefix}_shop`;
  const user = `${account.prefix}_app`;
  try {
    await signIn(page, account);

    await page.goto('/databases');
    await waitHydrated(page);
    await expect(page.getByText(`${account.prefix}_`, { exact: true })).toBeVisible(); // the prefix adornment
    await page.getByLabel('Database name').fill('shop');
    await page.getByRole('button', { name: 'Create database' }).click();
    await expect(page.getByRole('link', { name: db })).toBeVisible();
    expect(query(`SHOW DATABASES LIKE '${db}'`).trim()).toBe(db);

    await page.goto('/users');
    await waitHydrated(page);
    await page.getByLabel('User name').fill('app');
    await page.getByRole('button', { name: 'Create user' }).click();
    const reveal = page.getByRole('dialog');
    await expect(reveal.getByRole('heading', { name: `Password for ${user}` })).toBeVisible();
    await expect(reveal.getByTestId('new-password')).toHaveText(/^[0-9A-Za-z]{24}$/);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await expect(reveal).toBeHidden();

    const card = page.getByRole('region', { name: `User ${user}` });
    await card.getByLabel('Give access to').selectOption(db);
    await card.getByRole('button', { name: 'Choose privileges…' }).click();
    const editor = page.getByRole('dialog');
    await editor.getByRole('button', { name: 'Read only' }).click();
    await expect(editor.getByLabel('SELECT', { exact: true })).toBeChecked();
    await expect(editor.getByLabel('SHOW VIEW', { exact: true })).toBeChecked();
    await expect(editor.getByLabel('INSERT', { exact: true })).not.toBeChecked();
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect(editor).toBeHidden();
    await expect(card.getByRole('row').filter({ hasText: db })).toContainText('SELECT, SHOW VIEW');

    // In GRANT the database is a pattern: MariaDB shows the escaped form, `acme\_shop`.
    const pattern = db.replaceAll('_', '\\_');
    expect(query(`SHOW GRANTS FOR '${user}'@'localhost'`)).toContain(`GRANT SELECT, SHOW VIEW ON \`${pattern}\`.*`);

    await page.goto('/databases');
    await waitHydrated(page);
    await expect(page.getByRole('row').filter({ hasText: db })).toContainText(user);
    await page.getByRole('link', { name: db }).click();
    await expect(page.getByRole('heading', { name: db })).toBeVisible();
    const access = page.getByRole('region', { name: 'Users with access' });
    await expect(access.getByRole('row').filter({ hasText: user })).toContainText('SELECT, SHOW VIEW');

    await page.goto('/users');
    await waitHydrated(page);
    await page.getByRole('region', { name: `User ${user}` }).getByRole('button', { name: 'Delete user' }).click();
    const confirmUser = page.getByRole('dialog');
    await confirmUser.getByRole('button', { name: 'Delete' }).click();
    // The page behind an open dialog is hidden from the accessibility tree, so wait for the
    // dialog to close (it does on success) before looking for what the deletion removed.
    await expect(confirmUser).toBeHidden();
    await expect(page.getByRole('region', { name: `User ${user}` })).toBeHidden();
    expect(query(`SELECT COUNT(*) FROM mysql.user WHERE User = '${user}'`).trim()).toBe('0');

    await page.goto('/databases');
    await waitHydrated(page);
    await page.getByRole('button', { name: `Delete database ${db}` }).click();
    const confirm = page.getByRole('dialog');
    // While the dialog is open the page behind it is hidden: its "Delete" is the only one.
    await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(1);
    const deleteButton = confirm.getByRole('button', { name: 'Delete' });
    await expect(deleteButton).toBeDisabled();
    await confirm.getByLabel(`Type ${db} to confirm`).fill(db);
    await deleteButton.click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole('link', { name: db })).toBeHidden();
    expect(query(`SHOW DATABASES LIKE '${db}'`).trim()).toBe('');
  } finally {
    query(`DROP USER IF EXISTS '${user}'@'localhost'`);
    query(`DROP DATABASE IF EXISTS \`${db}\``);
  }
});
