import { test, expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import { createAccount, dropAccountDatabases, mariadb, mariadbOutput, signIn, waitHydrated } from './helpers';

/** `items`: 60 rows with a key; `logs`: no key (read-only); `files`: binary and long text. */
function createShop(db: string): void {
  const rows = Array.from({ length: 60 }, (_, i) => `(${i + 1}, 'item${i + 1}', ${((i + 1) * 1.5).toFixed(2)}, NULL)`);
  mariadb(
    `CREATE DATABASE \`${db}\`;` +
      `CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2) NULL, note TEXT NULL);` +
      `INSERT INTO \`${db}\`.items VALUES ${rows.join(', ')};` +
      `CREATE TABLE \`${db}\`.logs (msg VARCHAR(20));` +
      `INSERT INTO \`${db}\`.logs VALUES ('started');` +
      `CREATE TABLE \`${db}\`.files (id INT PRIMARY KEY, data VARBINARY(20), body TEXT);` +
      `INSERT INTO \`${db}\`.files VALUES (1, 'Hello', REPEAT('x', 200));`,
  );
}

/** The values shown in row `n` of the grid (checkbox column left out). */
function rowCells(grid: Locator, n: number): Locator {
  return grid.locator('tbody tr').nth(n).locator('td.cell .cell-content');
}

/** Axe's findings inside the page's main content (a dialog, when one is open, is in it too). */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).include('main').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('browse a table: list, filter, sort, page, filters in the URL, edit, conflict, insert, delete', async ({ page }) => {
  test.setTimeout(120_000);
  const account = createAccount();
  const db = `${account.prefix}_shop`;
  try {
    createShop(db);
    await signIn(page, account);
    await page.goto(`/databases/${db}`);
    await waitHydrated(page);

    // The tab loads its own code: a WASM chunk the Overview did not need.
    const loaded: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('.wasm')) loaded.push(request.url());
    });
    const tabs = page.getByRole('navigation', { name: 'Database' });
    await tabs.getByRole('link', { name: 'Tables' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/tables$`));
    await expect(tabs.getByRole('link', { name: 'Tables' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('link', { name: 'items', exact: true })).toBeVisible();
    expect(loaded.length).toBeGreaterThan(0);

    // The list and its filter.
    await expect(page.getByRole('link', { name: 'logs', exact: true })).toBeVisible();
    await page.getByLabel('Filter tables').fill('ITE');
    await expect(page.getByRole('link', { name: 'logs', exact: true })).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: '1 of 3 tables and views' })).toBeVisible();
    await page.getByRole('link', { name: 'items', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/tables/items$`));

    const grid = page.getByRole('region', { name: 'Rows of items' });
    await expect(grid.getByRole('columnheader', { name: 'Sort by price' })).toContainText('DECIMAL');
    await expect(grid.locator('tbody tr')).toHaveCount(50);
    await expect(rowCells(grid, 0)).toHaveText(['1', 'item1', '1.50', 'NULL']);
    await expect(rowCells(grid, 0).nth(3).locator('.null')).toHaveText('NULL');

    // Sort by a column, then the other way.
    await grid.getByRole('button', { name: 'Sort by name' }).click();
    await expect(page).toHaveURL(/order=name$/);
    await expect(rowCells(grid, 1)).toHaveText(['10', 'item10', '15.00', 'NULL']);
    await grid.getByRole('button', { name: 'Sort by name' }).click();
    await expect(page).toHaveURL(/order=name\.desc$/);
    await expect(rowCells(grid, 0).nth(1)).toHaveText('item9');
    await expect(grid.getByRole('columnheader', { name: 'Sort by name' })).toHaveAttribute('aria-sort', 'descending');

    // 25 rows a page, forward with the server's `next`, and back.
    await page.goto(`/databases/${db}/tables/items`);
    await waitHydrated(page);
    await page.getByLabel('Rows per page').selectOption('25');
    await expect(page).toHaveURL(/limit=25/);
    await expect(grid.locator('tbody tr')).toHaveCount(25);
    await expect(page.getByRole('button', { name: 'Previous page' })).toBeDisabled();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/after=25/);
    await expect(rowCells(grid, 0).first()).toHaveText('26');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(grid.locator('tbody tr')).toHaveCount(10);
    await expect(page.getByRole('button', { name: 'Next page' })).toBeDisabled();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect(rowCells(grid, 0).first()).toHaveText('26');

    // Filters combine with AND and live in the URL: a reload shows the same rows.
    await page.goto(`/databases/${db}/tables/items`);
    await waitHydrated(page);
    await page.getByLabel('Filter column').selectOption('id');
    await page.getByLabel('Operator').selectOption({ label: '>' });
    await page.getByLabel('Value').fill('55');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect(page).toHaveURL(/filter=id\.gt\.55/);
    await expect(grid.locator('tbody tr')).toHaveCount(5);
    await page.getByLabel('Filter column').selectOption('name');
    await page.getByLabel('Operator').selectOption({ label: 'LIKE' });
    await page.getByLabel('Value').fill('%7');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect(grid.locator('tbody tr')).toHaveCount(1);
    await page.reload();
    await waitHydrated(page);
    await expect(grid.locator('tbody tr')).toHaveCount(1);
    await expect(rowCells(grid, 0).first()).toHaveText('57');
    await page.getByRole('button', { name: 'Remove filter name LIKE %7' }).click();
    await expect(grid.locator('tbody tr')).toHaveCount(5);

    // Edit a cell: the new value is in MariaDB.
    await page.goto(`/databases/${db}/tables/items?filter=id.eq.3`);
    await waitHydrated(page);
    await rowCells(grid, 0).nth(1).dblclick();
    let editor = page.getByRole('dialog', { name: 'Edit name' });
    await editor.getByLabel('Value').fill('renamed');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect(editor).toBeHidden();
    await expect(rowCells(grid, 0).nth(1)).toHaveText('renamed');
    expect(mariadbOutput(`SELECT name FROM \`${db}\`.items WHERE id = 3`)).toBe('renamed\n');

    // NULL through its box, opened from the keyboard.
    await grid.getByRole('button', { name: 'Edit price of row 3' }).focus();
    await page.keyboard.press('Enter');
    editor = page.getByRole('dialog', { name: 'Edit price' });
    await editor.getByRole('checkbox', { name: 'NULL' }).check();
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect(editor).toBeHidden();
    expect(mariadbOutput(`SELECT price IS NULL FROM \`${db}\`.items WHERE id = 3`)).toBe('1\n');

    // Someone else changes the row meanwhile: the save is refused, with the server's reason.
    await grid.getByRole('button', { name: 'Edit name of row 3' }).click();
    editor = page.getByRole('dialog', { name: 'Edit name' });
    mariadb(`UPDATE \`${db}\`.items SET name = 'theirs' WHERE id = 3`);
    await editor.getByLabel('Value').fill('mine');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect(editor.getByRole('alert')).toContainText('was changed or deleted');
    expect(mariadbOutput(`SELECT name FROM \`${db}\`.items WHERE id = 3`)).toBe('theirs\n');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await expect(rowCells(grid, 0).nth(1)).toHaveText('theirs');

    // Insert a row: defaults are offered, the typed values are stored.
    await page.getByRole('button', { name: 'Insert row' }).click();
    const insert = page.getByRole('dialog', { name: 'Insert row' });
    await expect(insert.getByText('Default: NULL').first()).toBeVisible();
    await insert.getByRole('spinbutton', { name: /^id\b/ }).fill('61');
    await insert.getByRole('textbox', { name: /^name\b/ }).fill('new item');
    await insert.getByRole('button', { name: 'Insert' }).click();
    await expect(insert).toBeHidden();
    expect(mariadbOutput(`SELECT name, price IS NULL FROM \`${db}\`.items WHERE id = 61`)).toBe('new item\t1\n');

    // Delete the selected rows.
    await page.goto(`/databases/${db}/tables/items?filter=id.gt.59`);
    await waitHydrated(page);
    await expect(grid.locator('tbody tr')).toHaveCount(2);
    await page.getByRole('checkbox', { name: 'Select row 60' }).check();
    await page.getByRole('checkbox', { name: 'Select row 61' }).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete 2 rows?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByText('No rows match.')).toBeVisible();
    expect(mariadbOutput(`SELECT COUNT(*) FROM \`${db}\`.items WHERE id > 59`)).toBe('0\n');

    // A table without a key is shown read-only, saying why.
    await page.goto(`/databases/${db}/tables/logs`);
    await waitHydrated(page);
    await expect(page.getByText(/Read-only: .*no primary key/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Insert row' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Rows of logs' }).getByRole('button', { name: /^Edit / })).toHaveCount(0);

    // Binary as hex with its size and a download; long text cut short, expandable.
    await page.goto(`/databases/${db}/tables/files`);
    await waitHydrated(page);
    const files = page.getByRole('region', { name: 'Rows of files' });
    await expect(files.getByText('0x48656C6C6F')).toBeVisible();
    await expect(files.getByRole('link', { name: 'Download data (5 B)' })).toHaveAttribute('href', 'data:application/octet-stream;base64,SGVsbG8=');
    const more = files.getByRole('button', { name: 'More' });
    await expect(more).toHaveAttribute('aria-expanded', 'false');
    await more.click();
    await expect(files.getByRole('button', { name: 'Less' })).toHaveAttribute('aria-expanded', 'true');
    await expect(rowCells(files, 0).nth(2)).toContainText('x'.repeat(200));

    await expectAccessible(page);
  } finally {
    dropAccountDatabases(account.prefix);
  }
});

test('structure: the forms show their statement, run it, and the dialogs are keyboard-usable and accessible', async ({ page }) => {
  test.setTimeout(120_000);
  const account = createAccount();
  const db = `${account.prefix}_shape`;
  try {
    mariadb(
      `CREATE DATABASE \`${db}\`;` +
        `CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL COMMENT 'shown');`,
    );
    await signIn(page, account);
    await page.goto(`/databases/${db}/tables/items`);
    await waitHydrated(page);
    const sub = page.getByRole('navigation', { name: 'Table' });
    await sub.getByRole('link', { name: 'Structure' }).click();
    await expect(page).toHaveURL(/tab=structure$/);
    await expect(sub.getByRole('link', { name: 'Structure' })).toHaveAttribute('aria-current', 'page');
    const columns = page.getByRole('region', { name: 'Columns' });
    await expect(columns.getByRole('row', { name: /name varchar\(40\) no/ })).toContainText('shown');
    await expect(page.getByText('CREATE TABLE `items`')).toBeVisible();
    await expectAccessible(page);

    // Add a column, from the keyboard: the dialog takes focus, the statement follows the fields.
    await page.getByRole('button', { name: 'Add column' }).click();
    const add = page.getByRole('dialog', { name: 'Add column' });
    await expect(add).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(add.getByLabel('Column name')).toBeFocused();
    await page.keyboard.type('stock');
    await add.getByLabel('Type').fill('int unsigned');
    await add.getByLabel('Position').selectOption({ label: 'After id' });
    const statement = add.getByRole('region', { name: 'Statement' });
    await expect(statement).toHaveText('ALTER TABLE `items` ADD COLUMN `stock` INT UNSIGNED NULL AFTER `id`');
    await expectAccessible(page);
    await add.getByLabel('Column name').press('Enter');
    await expect(add).toBeHidden();
    await expect(columns.getByRole('row', { name: /stock int(\(10\))? unsigned/ })).toBeVisible();
    expect(mariadbOutput(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${db}' AND table_name = 'items' ORDER BY ordinal_position`)).toBe('id\nstock\nname\n');

    // A bad type is explained in the statement, and Run waits.
    await page.getByRole('button', { name: 'Add column' }).click();
    await add.getByLabel('Column name').fill('x');
    await add.getByLabel('Type').fill('NOPE');
    await expect(add.getByRole('region', { name: 'Statement' })).toHaveText(/^-- /);
    await expect(add.getByRole('button', { name: 'Run' })).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(add).toBeHidden();

    // Add an index.
    await page.getByRole('button', { name: 'Add index' }).click();
    const index = page.getByRole('dialog', { name: 'Add index' });
    await index.getByLabel('Index name').fill('by_name');
    await index.getByRole('checkbox', { name: 'name' }).check();
    await expect(index.getByRole('region', { name: 'Statement' })).toHaveText('ALTER TABLE `items` ADD INDEX `by_name` (`name`)');
    await index.getByRole('button', { name: 'Run' }).click();
    await expect(index).toBeHidden();
    await expect(page.getByRole('region', { name: 'Indexes' }).getByRole('cell', { name: 'by_name', exact: true })).toBeVisible();

    // Rename after typing the table's name.
    await page.getByRole('button', { name: 'Rename table' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename table items' });
    await rename.getByLabel('New name').fill('products');
    await expect(rename.getByRole('region', { name: 'Statement' })).toHaveText('RENAME TABLE `items` TO `products`');
    await expect(rename.getByRole('button', { name: 'Run' })).toBeDisabled();
    await rename.getByLabel('Type the table name to confirm').fill('items');
    await expectAccessible(page);
    await rename.getByRole('button', { name: 'Run' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/tables/products\\?tab=structure$`));

    // Truncate: Escape closes without running.
    await page.getByRole('button', { name: 'Truncate table' }).click();
    const truncate = page.getByRole('dialog', { name: 'Truncate table products' });
    await expect(truncate.getByRole('region', { name: 'Statement' })).toHaveText('TRUNCATE TABLE `products`');
    await page.keyboard.press('Escape');
    await expect(truncate).toBeHidden();

    // Create a table from the list.
    await page.goto(`/databases/${db}/tables`);
    await waitHydrated(page);
    await page.getByRole('button', { name: 'Create table' }).click();
    const create = page.getByRole('dialog', { name: 'Create table' });
    await create.getByLabel('Table name').fill('notes');
    await create.getByRole('button', { name: 'Add another column' }).click();
    const third = create.getByRole('group', { name: 'Column 3' });
    await third.getByLabel('Column name').fill('body');
    await third.getByLabel('Type').fill('TEXT');
    await expect(create.getByRole('region', { name: 'Statement' })).toHaveText(
      'CREATE TABLE `notes` (\n  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,\n  `name` VARCHAR(255) NULL,\n  `body` TEXT NULL,\n  PRIMARY KEY (`id`)\n)',
    );
    await expectAccessible(page);
    await create.getByRole('button', { name: 'Run' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/tables/notes$`));
    await expect(page.getByRole('button', { name: 'Insert row' })).toBeVisible();

    // Drop after typing its name: back to the list, without it.
    await page.goto(`/databases/${db}/tables/products?tab=structure`);
    await waitHydrated(page);
    await page.getByRole('button', { name: 'Drop table' }).click();
    const drop = page.getByRole('dialog', { name: 'Drop table products' });
    await drop.getByLabel('Type the table name to confirm').fill('products');
    await drop.getByRole('button', { name: 'Run' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${db}/tables$`));
    await expect(page.getByRole('link', { name: 'notes', exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'products', exact: true })).toHaveCount(0);
    expect(mariadbOutput(`SHOW TABLES FROM \`${db}\``)).toBe('notes\n');
  } finally {
    dropAccountDatabases(account.prefix);
  }
});

test('export the filtered rows and import CSV with a column mapping', async ({ page }) => {
  const account = createAccount();
  const db = `${account.prefix}_io`;
  try {
    createShop(db);
    await signIn(page, account);
    await page.goto(`/databases/${db}/tables/items?order=id.desc&filter=id.gt.58`);
    await waitHydrated(page);

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const download = await downloading;
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv.split(/\r?\n/).filter(Boolean)).toEqual(['id,name,price,note', '60,item60,90.00,', '59,item59,88.50,']);

    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import CSV into items' });
    await dialog.getByLabel('CSV file').setInputFiles({
      name: 'more.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Name,ignored,ID\r\nimported one,x,100\r\n"imported, two",y,101\r\n'),
    });
    await expect(dialog.getByLabel('Target for Name')).toHaveValue('name');
    await expect(dialog.getByLabel('Target for ignored')).toHaveValue('-');
    await expect(dialog.getByLabel('Target for ID')).toHaveValue('id');
    await expect(dialog.getByRole('region', { name: 'First rows' }).locator('tbody tr')).toHaveCount(2);
    await expect(dialog.getByRole('cell', { name: 'imported, two' })).toBeVisible();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Imported 2 rows.' })).toBeVisible();
    expect(mariadbOutput(`SELECT id, name FROM \`${db}\`.items WHERE id >= 100 ORDER BY id`)).toBe('100\timported one\n101\timported, two\n');
  } finally {
    dropAccountDatabases(account.prefix);
  }
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

  test('the grid scrolls inside its card at 390 px', async ({ page }) => {
    const account = createAccount();
    const db = `${account.prefix}_wide`;
    try {
      const long = (c: string) => `'${c.repeat(40)}'`;
      mariadb(
        `CREATE DATABASE \`${db}\`;` +
          `CREATE TABLE \`${db}\`.wide (id INT PRIMARY KEY, a VARCHAR(60), b VARCHAR(60), c VARCHAR(60));` +
          `INSERT INTO \`${db}\`.wide VALUES (1, ${long('a')}, ${long('b')}, ${long('c')}), (2, NULL, NULL, NULL);`,
      );
      await signIn(page, account);
      await page.goto(`/databases/${db}/tables/wide`);
      await waitHydrated(page);
      const grid = page.getByRole('region', { name: 'Rows of wide' });
      await expect(grid.locator('tbody tr')).toHaveCount(2);
      const { pageWidth, gridScrolls } = await grid.evaluate((el) => ({
        pageWidth: document.documentElement.scrollWidth,
        gridScrolls: el.scrollWidth > el.clientWidth,
      }));
      expect(pageWidth).toBeLessThanOrEqual(390);
      expect(gridScrolls).toBe(true);
      const box = (await grid.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    } finally {
      dropAccountDatabases(account.prefix);
    }
  });
});
