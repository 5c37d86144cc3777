import { type Page, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
const panelBin = path.join(repoRoot, 'target', 'release', 'nobregas-panel');

export type Account = { email: string; prefix: string; password: string };

function randomChars(n: number, alphabet: string): string {
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

/** Runs the panel CLI against the same data dir as the server under test; returns stdout. */
export function panel(args: string[], input?: string): string {
  return execFileSync(panelBin, args, {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    stdio: 'pipe', // keep the CLI's chatter out of the report; it is still in thrown errors
    env: { ...process.env, NOBREGAS_DATA_DIR: process.env.NOBREGAS_DATA_DIR },
  });
}

/** A fresh account's email, prefix and password (nothing created yet). */
export function newAccountDetails(): Account {
  const prefix = 'e2e' + randomChars(8, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const email = `${prefix}@example.test`;
  const password = randomChars(20, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  return { email, prefix, password };
}

/** An account made with the CLI; `operator`: it gets the Admin area (`account create --operator`). */
export function createAccount(options: { operator?: boolean } = {}): Account {
  const account = newAccountDetails();
  const args = ['account', 'create', '--email', account.email, '--prefix', account.prefix, '--password-stdin'];
  panel(options.operator ? [...args, '--operator'] : args, account.password + '\n');
  return account;
}

/** Gives the account a key through the CLI, which prints only the key. */
export function regenerateKeyWithCli(account: Account): string {
  return panel(['key', 'regenerate', '--email', account.email]).trim();
}

export function mariadb(sql: string): void {
  execFileSync('mariadb', ['-uroot', '-h127.0.0.1', '-e', sql], { stdio: 'pipe' });
}

export async function waitHydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

/** Fills and submits the sign-in form of the (hydrated) /login page the browser is on. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signIn(page: Page, account: Account): Promise<void> {
  await page.goto('/login');
  await waitHydrated(page);
  await submitSignIn(page, account.email, account.password);
  await expect(page).not.toHaveURL(/\/login/);
}

export function maskedKey(key: string): string {
  return `nbg_••••••••${key.slice(-4)}`;
}

/** What MariaDB answers to `sql` (tab-separated, no column names), for checks of its state. */
export function mariadbOutput(sql: string): string {
  return execFileSync('mariadb', ['-uroot', '-h127.0.0.1', '-N', '-B', '--raw', '-e', sql], { encoding: 'utf8' });
}

/** Drops every `<prefix>_…` database and the account's query identity, `<prefix>-panel`@`localhost`. */
export function dropAccountDatabases(prefix: string): void {
  const names = mariadbOutput(
    `SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '${prefix}\\_%'`,
  ).split('\n').filter(Boolean);
  const drops = names.map((name) => `DROP DATABASE IF EXISTS \`${name}\`;`).join('');
  mariadb(`${drops} DROP USER IF EXISTS '${prefix}-panel'@'localhost'`);
}
