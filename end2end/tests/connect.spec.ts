import { test, expect } from '@playwright/test';
import { createAccount, dropAccountDatabases, mariadb, regenerateKeyWithCli, signIn, waitHydrated } from './helpers';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

test("the Connect tab names the server and the database's users, and its snippets copy exactly", async ({ page, context, baseURL }) => {
  const account = createAccount();
  const key = regenerateKeyWithCli(account);
  const [database, user, password] = [`${account.prefix}_shop`, `${account.prefix}_app`, 'a password never shown'];
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    expect((await page.request.post('/api/databases', { headers: bearer(key), data: { name: database } })).status()).toBe(201);
    expect((await page.request.post('/api/users', { headers: bearer(key), data: { name: user, password } })).status()).toBe(201);
    const grant = await page.request.put(`/api/users/${user}/privileges/${database}`, {
      headers: bearer(key),
      data: { privileges: ['SELECT', 'INSERT'] },
    });
    expect(grant.status()).toBe(200);

    await signIn(page, account);
    await page.goto(`/databases/${database}`);
    await waitHydrated(page);
    await page.getByRole('navigation', { name: 'Database' }).getByRole('link', { name: 'Connect' }).click();
    await expect(page).toHaveURL(new RegExp(`/databases/${database}/connect$`));
    await expect(page.getByTestId('connect-host')).toHaveText('mysql.e2e.test');
    await expect(page.getByTestId('connect-port')).toHaveText('3306');
    await expect(page.getByRole('region', { name: 'Users with access' })).toContainText(`${user} — SELECT, INSERT`);
    await expect(page.getByLabel('Show snippets for')).toHaveValue(user);

    const cli = page.getByTestId('snippet-cli');
    await expect(cli).toHaveText(`mariadb -h mysql.e2e.test -P 3306 -u ${user} -p ${database}`);
    await expect(page.getByTestId('snippet-jdbc')).toHaveText(`jdbc:mysql://mysql.e2e.test:3306/${database}?user=${user}`);
    for (const [id, label] of [
      ['php', 'PHP (PDO)'],
      ['python', 'Python (PyMySQL)'],
      ['node', 'Node.js (mysql2)'],
      ['jdbc', 'JDBC URL'],
      ['cli', 'mariadb command line'],
    ]) {
      const shown = (await page.getByTestId(`snippet-${id}`).textContent())!;
      expect(shown).toContain(user);
      await page.getByRole('button', { name: `Copy ${label}` }).click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    }
    await expect(page.locator('body')).not.toContainText(password);
  } finally {
    dropAccountDatabases(account.prefix);
    mariadb(`DROP USER IF EXISTS '${user}'@'localhost', '${user}'@'127.0.0.1', '${user}'@'::1'`);
  }
});
