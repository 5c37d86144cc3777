// Regenerates docs/screenshots/*.png from the real app: `node end2end/screenshots.mjs` after
// `cargo leptos build --release`. Uses a throwaway data dir and the demo prefix `demo`.
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'target/release/nobregas-panel');
const out = path.join(root, 'docs/screenshots');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nobregas-shots-'));
const env = { ...process.env, NOBREGAS_DATA_DIR: dataDir, NOBREGAS_LISTEN: '127.0.0.1:3190', RUST_LOG: 'warn' };
const base = 'http://127.0.0.1:3190';
const sql = (q) => execFileSync('mariadb', ['-uroot', '-h127.0.0.1', '-e', q]);
const dropDemo = () =>
  sql('DROP DATABASE IF EXISTS demo_shop; DROP DATABASE IF EXISTS demo_blog; DROP USER IF EXISTS demo_app@localhost;');

fs.mkdirSync(out, { recursive: true });
execFileSync(bin, ['account', 'create', '--email', 'ann@demo.example', '--prefix', 'demo', '--password-stdin'], { env, input: 'demo password 1\n' });
const server = spawn(bin, ['serve'], { cwd: root, env, stdio: 'inherit' });
try {
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  dropDemo();
  sql('CREATE DATABASE demo_shop; CREATE TABLE demo_shop.orders (id INT PRIMARY KEY, total DECIMAL(10,2)); INSERT INTO demo_shop.orders VALUES (1, 9.5), (2, 20);');
  sql('CREATE DATABASE demo_blog; CREATE TABLE demo_blog.posts (id INT PRIMARY KEY, body TEXT);');
  sql("CREATE USER demo_app@localhost IDENTIFIED BY 'a demo password'; GRANT SELECT, SHOW VIEW ON `demo\\_shop`.* TO demo_app@localhost;");
  execFileSync(bin, ['key', 'regenerate', '--email', 'ann@demo.example'], { env });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 }, deviceScaleFactor: 1 });
  const hydrated = () => page.locator('body[data-hydrated="true"]').waitFor();
  await page.goto(`${base}/login`); await hydrated();
  await page.screenshot({ path: `${out}/login.png` });
  await page.getByLabel('Email').fill('ann@demo.example');
  await page.getByLabel('Password').fill('demo password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Databases' }).waitFor();
  await page.goto(`${base}/databases`); await hydrated();
  await page.getByRole('link', { name: 'demo_shop' }).waitFor();
  await page.screenshot({ path: `${out}/databases.png` });
  await page.goto(`${base}/profile`); await hydrated();
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.screenshot({ path: `${out}/profile.png` });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Regenerate API key' }).click();
  await page.screenshot({ path: `${out}/confirm.png` });
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId('new-api-key').waitFor();
  await page.screenshot({ path: `${out}/reveal.png` });
  await page.getByRole('button', { name: 'Done' }).click();
  await page.goto(`${base}/users`); await hydrated();
  await page.getByRole('button', { name: 'Edit privileges of demo_app on demo_shop' }).click();
  await page.screenshot({ path: `${out}/privileges.png` });
  await browser.close();
} finally {
  server.kill();
  dropDemo();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
