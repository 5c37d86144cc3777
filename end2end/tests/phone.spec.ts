import { test, expect, type Page } from '@playwright/test';
import { createAccount, dropAccountDatabases, signIn, waitHydrated } from './helpers';

// A phone: 390 CSS pixels wide, touch.
test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

/** Nothing on the page is wider than the screen (no sideways scrolling of the page itself). */
async function expectNoSidewaysScroll(page: Page) {
  const screen = page.viewportSize()!.width;
  const { scrollWidth, wide } = await page.evaluate((screen) => ({
    scrollWidth: document.documentElement.scrollWidth,
    // What sticks out, to say so when it fails.
    wide: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > screen + 0.5 && !el.closest('.table-wrap, .table-scroll, pre, .cm-editor, .editor'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`),
  }), screen);
  expect(scrollWidth, `page is ${scrollWidth}px wide on a ${screen}px screen: ${wide.join(', ')}`).toBeLessThanOrEqual(screen);
}

async function expectInsideScreen(page: Page, selector: ReturnType<Page['locator']>) {
  const box = (await selector.boundingBox())!;
  const width = page.viewportSize()!.width;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width);
}

test('on a phone: sign in, the menu button and account menu fit, regenerate and copy the key, create a database', async ({ page, context, baseURL }) => {
  const account = createAccount();
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    await signIn(page, account);
    await page.goto('/databases');
    await waitHydrated(page);
    await expectNoSidewaysScroll(page);

    // The navigation folds behind "Menu"; it opens, leads somewhere, and closes again.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Users' })).toBeHidden();
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
    await nav.getByRole('link', { name: 'IP whitelist' }).click();
    await expect(page).toHaveURL(/\/whitelist$/);
    await expect(nav.getByRole('link', { name: 'Users' })).toBeHidden();
    await expectNoSidewaysScroll(page);

    // The account menu opens inside the screen and leads to Profile.
    await page.getByRole('button', { name: 'Account menu' }).click();
    const menu = page.getByRole('menu', { name: 'Account' });
    await expect(menu).toBeVisible();
    await expectInsideScreen(page, menu);
    await menu.getByRole('menuitem', { name: 'Profile' }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await waitHydrated(page);
    await expectNoSidewaysScroll(page);

    // Profile → regenerate → copy, with the dialogs inside the screen.
    await page.getByRole('button', { name: 'Regenerate API key' }).click();
    const confirm = page.getByRole('dialog', { name: 'Regenerate API key?' });
    await expectInsideScreen(page, confirm);
    await confirm.getByRole('button', { name: 'Generate' }).click();
    const reveal = page.getByRole('dialog', { name: 'Your new API key' });
    await expectInsideScreen(page, reveal);
    const key = (await reveal.getByTestId('new-api-key').textContent())!;
    expect(key).toMatch(/^nbg_[0-9A-Za-z]{36}$/);
    await reveal.getByRole('button', { name: 'Copy' }).click();
    await expect(reveal.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await expectNoSidewaysScroll(page);

    // Create a database.
    await page.goto('/databases');
    await waitHydrated(page);
    await page.getByLabel('Database name').fill('phone');
    await page.getByRole('button', { name: 'Create database' }).click();
    await expect(page.getByRole('link', { name: `${account.prefix}_phone` })).toBeVisible();
    await expectNoSidewaysScroll(page);

    // The database's other tabs and the Users page fit too (the SQL editor, snippets and tables
    // scroll inside their own boxes).
    for (const path of ['', '/query', '/backups', '/connect']) {
      await page.goto(`/databases/${account.prefix}_phone${path}`);
      await waitHydrated(page);
      await expect(page.getByRole('navigation', { name: 'Database' })).toBeVisible();
      await expectNoSidewaysScroll(page);
    }
    await page.goto('/users');
    await waitHydrated(page);
    await expectNoSidewaysScroll(page);
  } finally {
    dropAccountDatabases(account.prefix);
  }
});
