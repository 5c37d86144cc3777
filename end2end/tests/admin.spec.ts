import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { randomBytes } from 'node:crypto';
import { createAccount, dropAccountDatabases, newAccountDetails, signIn, waitHydrated } from './helpers';

/** Axe's findings inside the page's main content (a dialog, when one is open, is in it too). */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).include('main').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function openTab(page: Page, name: string, path: RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
}

test('an operator creates a plan and an account on it, suspends, resumes and deletes it', async ({ page }) => {
  test.setTimeout(120_000);
  const operator = createAccount({ operator: true });
  const customer = newAccountDetails();
  const plan = `e2e-${randomBytes(4).toString('hex')}`;
  try {
    await signIn(page, operator);
    await waitHydrated(page);
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Admin' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole('heading', { name: 'Admin', exact: true })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Accounts', exact: true })).toContainText(operator.email);
    await expectAccessible(page);

    // Plans: create one, see its limits; a throwaway one is deleted through its confirmation.
    await openTab(page, 'Plans', /\/admin\?tab=plans$/);
    const plans = page.getByRole('region', { name: 'Plans', exact: true });
    await expect(plans.locator('tbody tr', { hasText: 'default' })).toBeVisible();
    const createPlan = page.getByRole('region', { name: 'Create plan' });
    await createPlan.getByLabel('Name', { exact: true }).fill(plan);
    await createPlan.getByLabel('Max databases').fill('3');
    await createPlan.getByLabel('Max storage (bytes)').fill('104857600');
    await createPlan.getByLabel('Grace period (hours)').fill('24');
    await createPlan.getByRole('button', { name: 'Create plan' }).click();
    await expect(createPlan.getByRole('status')).toHaveText(`Plan ${plan} created.`);
    const planRow = plans.locator('tbody tr', { hasText: plan });
    await expect(planRow.locator('td')).toHaveText([plan, '3', 'no limit', '100.0 MiB', 'no limit', 'no limit', 'no limit', 'no limit', '24 h', '0', 'Delete']);
    await createPlan.getByLabel('Name', { exact: true }).fill(`${plan}-x`);
    await createPlan.getByRole('button', { name: 'Create plan' }).click();
    await expect(plans.locator('tbody tr', { hasText: `${plan}-x` })).toBeVisible();
    await page.getByRole('button', { name: `Delete plan ${plan}-x` }).click();
    const deletePlan = page.getByRole('dialog', { name: `Delete plan ${plan}-x?` });
    await deletePlan.getByRole('button', { name: 'Delete' }).click();
    await expect(deletePlan).toBeHidden();
    await expect(plans.locator('tbody tr', { hasText: `${plan}-x` })).toHaveCount(0);
    await expectAccessible(page);

    // Accounts: create one on the new plan.
    await openTab(page, 'Accounts', /\/admin$/);
    const create = page.getByRole('region', { name: 'Create account' });
    await create.getByLabel('Email', { exact: true }).fill(customer.email);
    await create.getByLabel('Prefix', { exact: true }).fill(customer.prefix);
    await create.getByLabel('Password', { exact: true }).fill(customer.password);
    await create.getByLabel('Plan', { exact: true }).selectOption(plan);
    await create.getByRole('button', { name: 'Create account' }).click();
    await expect(create.getByRole('status')).toHaveText(`Account ${customer.email} created.`);

    await page.getByLabel('Search accounts').fill(customer.prefix);
    const accounts = page.getByRole('region', { name: 'Accounts', exact: true });
    await expect(accounts.locator('tbody tr')).toHaveCount(1);
    const row = accounts.locator('tbody tr', { hasText: customer.email });
    const state = row.locator('td.status-cell .badge');
    await expect(row.locator('td').nth(1)).toHaveText(customer.prefix);
    await expect(state).toHaveText('active');
    await expect(row.getByLabel(`Plan for ${customer.email}`)).toHaveValue(plan);

    // Suspend, from the keyboard: the dialog takes focus, Esc closes it, Tab reaches the reason.
    await row.getByRole('button', { name: 'Suspend' }).click();
    const suspend = page.getByRole('dialog', { name: `Suspend ${customer.email}?` });
    await expect(suspend).toBeVisible();
    await expect(suspend).toHaveAttribute('aria-modal', 'true');
    await expect.poll(() => suspend.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await expect(suspend).toBeHidden();
    await expect(state).toHaveText('active');

    await row.getByRole('button', { name: 'Suspend' }).click();
    await expect(suspend).toBeVisible();
    await expect.poll(() => suspend.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Tab');
    await expect(suspend.getByLabel('Reason')).toBeFocused();
    await page.keyboard.type('Unpaid invoice 1042');
    await page.keyboard.press('Enter');
    await expect(suspend).toBeHidden();
    await expect(state).toHaveText('suspended');
    await expect(row).toContainText('Unpaid invoice 1042');

    // Resume.
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect(state).toHaveText('active');
    await expect(row).not.toContainText('Unpaid invoice 1042');

    // Servers and the audit trail of what the operator did.
    await openTab(page, 'Servers', /\/admin\?tab=servers$/);
    const servers = page.getByRole('region', { name: 'Servers', exact: true });
    await expect(servers.locator('tbody tr').first().locator('td.status-cell')).toHaveText('up');
    await expectAccessible(page);

    await openTab(page, 'Audit', /\/admin\?tab=audit$/);
    const audit = page.getByRole('region', { name: 'Audit', exact: true });
    const actions = audit.locator('tbody tr', { hasText: customer.email }).locator('td:nth-child(4)');
    await expect(actions).toHaveText(['account_resumed', 'account_suspended', 'account_created']);
    await expect(audit.locator('tbody tr', { hasText: 'account_suspended' }).first()).toContainText(`operator ${operator.email}`);
    await expectAccessible(page);

    // Delete: the button waits for the email to be typed.
    await openTab(page, 'Accounts', /\/admin$/);
    await page.getByLabel('Search accounts').fill(customer.prefix);
    await expect(state).toHaveText('active');
    await row.getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: `Delete account ${customer.email}?` });
    const confirm = remove.getByRole('button', { name: 'Delete account' });
    await expect(confirm).toBeDisabled();
    await remove.getByLabel("Type the account's email to confirm").fill(customer.email);
    await expect(confirm).toBeEnabled();
    await expectAccessible(page);
    await confirm.click();
    await expect(remove).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `${customer.email} is closed` })).toBeVisible();
    await expect(state).toHaveText('closed');
  } finally {
    dropAccountDatabases(customer.prefix);
  }
});

test('a customer has no Admin link, and /admin does not exist for them', async ({ page }) => {
  const customer = createAccount();
  await signIn(page, customer);
  await waitHydrated(page);
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Account menu' }).click();
  await expect(page.getByRole('menuitem', { name: 'Profile' })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Admin' })).toHaveCount(0);

  for (const path of ['/admin', '/admin?tab=plans']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await waitHydrated(page);
    await expect(page.getByText('Page not found.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Admin' })).toHaveCount(0);
  }

  // Nor do its server functions.
  const listed = await page.request.post('/rpc/admin_list_accounts', { headers: { 'Sec-Fetch-Site': 'same-origin' }, form: {} });
  expect(listed.status()).toBe(404);
  const suspended = await page.request.post('/rpc/admin_suspend', {
    headers: { 'Sec-Fetch-Site': 'same-origin' },
    form: { id: '1', reason: 'no' },
  });
  expect(suspended.status()).toBe(404);
});
