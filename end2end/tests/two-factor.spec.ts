import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import * as OTPAuth from 'otpauth';
import { createAccount, signIn, submitSignIn, waitHydrated } from './helpers';

/** What an authenticator app shows for `secret` (base32), `offsetSecs` from now. */
function code(secret: string, offsetSecs = 0): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + offsetSecs * 1000 });
}

test('enrol two-factor on Profile, keep the recovery codes, then sign in with a code', async ({ browser, page, context, baseURL }) => {
  const account = createAccount();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await signIn(page, account);
  await page.goto('/profile');
  await waitHydrated(page);

  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(section.getByRole('img', { name: 'QR code for your authenticator app' }).locator('svg')).toBeVisible();
  const secret = (await section.getByTestId('totp-secret').textContent())!;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await section.getByLabel('Code from your app').fill('000000');
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section.getByRole('alert')).toContainText('not right');
  await section.getByLabel('Code from your app').fill(code(secret));
  await section.getByRole('button', { name: 'Turn on' }).click();

  const reveal = page.getByRole('dialog', { name: 'Your recovery codes' });
  const shown = (await reveal.getByTestId('recovery-codes').textContent())!;
  const codes = shown.split('\n');
  expect(codes).toHaveLength(10);
  codes.forEach((c) => expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/));
  await reveal.getByRole('button', { name: 'Copy' }).click();
  await expect(reveal.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
  const [download] = await Promise.all([page.waitForEvent('download'), reveal.getByRole('link', { name: 'Download' }).click()]);
  expect(download.suggestedFilename()).toBe('nobregas-recovery-codes.txt');
  expect(readFileSync((await download.path())!, 'utf8')).toBe(shown + '\n');
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(section.getByTestId('two-factor-on')).toContainText('10 recovery codes left');

  // Sign out: the password alone is not enough any more.
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/login?next=%2Fprofile');
  await waitHydrated(page);
  await submitSignIn(page, account.email, account.password);
  await expect(page).toHaveURL(/\/login\/code\?next=(%2F|\/)profile$/);
  await page.getByLabel('Authentication code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
  // The code that turned it on is spent; the next one signs in.
  await page.getByLabel('Authentication code').fill(code(secret, 30));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile', exact: true })).toBeVisible();

  // A recovery code signs in, in another browser.
  const third = await browser.newContext();
  const thirdPage = await third.newPage();
  await thirdPage.goto('/login');
  await waitHydrated(thirdPage);
  await submitSignIn(thirdPage, account.email, account.password);
  await expect(thirdPage).toHaveURL(/\/login\/code/);
  await thirdPage.getByLabel('Authentication code').fill(codes[0]);
  await thirdPage.getByRole('button', { name: 'Verify' }).click();
  await expect(thirdPage).not.toHaveURL(/\/login/);
  await thirdPage.goto('/profile');
  await expect(thirdPage.getByTestId('two-factor-on')).toContainText('9 recovery codes left');
  await third.close();
});
