import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { createAccount, mariadb, signIn, waitHydrated } from './helpers';

const EDITOR_SCRIPT = '/editor/sql-editor.js';

/** Collects CSP violations the page reports (as security.spec.ts does). */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Refused to: CSP violation ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return violations;
}

/** Replaces the editor's whole text by typing, as a person would. */
async function typeStatement(page: Page, sql: string): Promise<void> {
  await page.getByRole('textbox', { name: 'SQL' }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
}

test('the Query tab completes, runs, shows results and errors, cancels, exports and recalls history', async ({ page }) => {
  test.setTimeout(120_000);
  const violations = watchCsp(page);
  const editorLoads: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === EDITOR_SCRIPT) editorLoads.push(page.url());
  });
  const account = createAccount();
  const db = `${account.prefix}_shop`;
  try {
    mariadb(
      `CREATE DATABASE \`${db}\`;` +
        `CREATE TABLE \`${db}\`.customers (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, note VARCHAR(40) NULL);` +
        `INSERT INTO \`${db}\`.customers VALUES (1, 'Ann', NULL), (2, 'Bo', 'vip');`,
    );
    await signIn(page, account);

    // Other pages do not carry the editor's code.
    await page.goto('/databases');
    await waitHydrated(page);
    await expect(page.getByRole('link', { name: db })).toBeVisible();
    await expect(page.locator(`script[src="${EDITOR_SCRIPT}"]`)).toHaveCount(0);
    expect(editorLoads).toEqual([]);

    // Database page → Query tab (client-side navigation: the tab loads the editor when it mounts).
    await page.getByRole('link', { name: db }).click();
    const tabs = page.getByRole('navigation', { name: 'Database' });
    await expect(tabs.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
    await tabs.getByRole('link', { name: 'Query' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/query$`));
    await expect(tabs.getByRole('link', { name: 'Query' })).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('textarea[data-sql-editor-ready="true"]')).toBeAttached();
    await expect(page.locator('textarea[data-sql-editor]')).toHaveAttribute('data-schema', /"customers":\["id","name","note"\]/);
    expect(editorLoads).toHaveLength(1);

    // Completion of a table name, then Ctrl+Enter.
    const editor = page.getByRole('textbox', { name: 'SQL' });
    await editor.click();
    await page.keyboard.type('SELECT id, name, note FROM cust');
    // Clicked: the popup ignores Enter for a moment after each update (so fast typing never accepts).
    await page.getByRole('option', { name: 'customers', selected: true }).click();
    await page.keyboard.type(' ORDER BY id');
    await expect(editor).toHaveText('SELECT id, name, note FROM customers ORDER BY id');
    await page.keyboard.press('Control+Enter');

    const results = page.getByRole('region', { name: 'Results' });
    await expect(results.getByRole('columnheader', { name: /^id\s+INT/ })).toBeVisible();
    await expect(results.getByRole('columnheader', { name: /^name\s+VARCHAR/ })).toBeVisible();
    await expect(results.getByText(/^2 rows \(\d+(\.\d+)? m?s\)$/)).toBeVisible();
    const rows = results.locator('tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0).locator('td')).toHaveText(['1', 'Ann', 'NULL']);
    await expect(rows.nth(0).locator('td .null')).toHaveText('NULL');
    await expect(rows.nth(1).locator('td')).toHaveText(['2', 'Bo', 'vip']);
    await expect(rows.nth(1).locator('td .null')).toHaveCount(0);

    // DML reports the rows it changed.
    await typeStatement(page, "UPDATE customers SET note = 'new' WHERE id = 1");
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(results).toContainText('Query OK, 1 row affected');

    // MariaDB's own error, with its number.
    await typeStatement(page, 'SELEC 1');
    await page.keyboard.press('Control+Enter');
    await expect(results.getByRole('alert')).toContainText(/^Error 1064: You have an error in your SQL syntax/);

    // A slow statement: Run turns into Cancel while it runs, and Cancel stops it.
    await typeStatement(page, 'SELECT SLEEP(30)');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const cancel = page.getByRole('button', { name: 'Cancel', exact: true });
    await expect(cancel).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Running…' })).toBeVisible();
    await expect(results).toHaveAttribute('aria-busy', 'true');
    const started = Date.now();
    await cancel.click();
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeVisible({ timeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(results.getByRole('alert')).toContainText(/cancel/i);

    // The export is the whole result from the server, saved as a file.
    await typeStatement(page, 'SELECT id, name, note FROM customers ORDER BY id');
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`${db}.csv`);
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe('id,name,note\r\n1,Ann,new\r\n2,Bo,vip\r\n');

    // History: newest first (the export is kept too); picking an entry puts it back in the editor.
    const history = page.getByRole('region', { name: 'History' });
    const entries = history.getByRole('button');
    await expect(entries.first()).toContainText('SELECT id, name, note FROM customers ORDER BY id');
    await expect(entries.filter({ hasText: 'SELECT SLEEP(30)' })).toHaveCount(1);
    await entries.filter({ hasText: 'SELEC 1' }).click();
    await expect(editor).toHaveText('SELEC 1');
    await entries.first().click();
    await expect(editor).toHaveText('SELECT id, name, note FROM customers ORDER BY id');

    // An export the server refuses is reported, and nothing is saved.
    await typeStatement(page, 'SELEC 1');
    let saved = false;
    page.once('download', () => { saved = true; });
    await page.getByRole('button', { name: 'Export JSON' }).click();
    await expect(page.getByRole('region', { name: 'Query editor' }).getByRole('alert')).toContainText('Error 1064');
    expect(saved).toBe(false);

    // A fresh load of another page still does not fetch the editor.
    editorLoads.length = 0;
    await page.goto('/databases');
    await waitHydrated(page);
    await expect(page.locator(`script[src="${EDITOR_SCRIPT}"]`)).toHaveCount(0);
    expect(editorLoads).toEqual([]);
    expect(violations).toEqual([]);
  } finally {
    mariadb(`DROP DATABASE IF EXISTS \`${db}\`; DROP USER IF EXISTS '${account.prefix}-panel'@'localhost'`);
  }
});

test('the editor works as a plain textarea before its script arrives', async ({ page }) => {
  const account = createAccount();
  const db = `${account.prefix}_plain`;
  try {
    mariadb(`CREATE DATABASE \`${db}\``);
    // Without the bundle the page must still run queries from the textarea itself.
    await page.route(`**${EDITOR_SCRIPT}`, (route) => route.abort());
    await signIn(page, account);
    await page.goto(`/databases/${db}/query`);
    await waitHydrated(page);
    const sql = page.getByRole('textbox', { name: 'SQL' });
    await expect(sql).toHaveJSProperty('tagName', 'TEXTAREA');
    await sql.fill('SELECT 40 + 2 AS answer');
    await sql.press('Control+Enter');
    const results = page.getByRole('region', { name: 'Results' });
    await expect(results.getByRole('columnheader', { name: /^answer\b/ })).toBeVisible();
    await expect(results.locator('tbody td')).toHaveText(['42']);
  } finally {
    mariadb(`DROP DATABASE IF EXISTS \`${db}\`; DROP USER IF EXISTS '${account.prefix}-panel'@'localhost'`);
  }
});
