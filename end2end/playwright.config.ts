import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';

const port = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${port}`;

// Workers re-import this config; the env var makes them reuse the dir the main process created
// (and handed to the server), so the CLI in the tests writes to the server's store.
if (!process.env.NOBREGAS_E2E_DATA_DIR) {
  process.env.NOBREGAS_E2E_DATA_DIR = fs.mkdtempSync(`${os.tmpdir()}/nobregas-e2e-`);
}
const dataDir = process.env.NOBREGAS_E2E_DATA_DIR;
process.env.NOBREGAS_DATA_DIR = dataDir;

export default defineConfig({
  testDir: './tests',
  globalTeardown: './global-teardown.ts',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        baseURL,
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: {
    command: './target/release/nobregas-panel serve',
    cwd: '..', // the repo root, where the server finds target/site
    env: {
      NOBREGAS_LISTEN: `127.0.0.1:${port}`,
      NOBREGAS_DATA_DIR: dataDir,
      NOBREGAS_MYSQL_URL: 'mysql://root@127.0.0.1:3306',
      // What the Connect tab shows customers (connect.spec.ts checks it).
      NOBREGAS_PUBLIC_MYSQL_HOST: 'mysql.e2e.test',
      // The tests play the TLS-terminating proxy (X-Forwarded-*) where they need a remote client.
      NOBREGAS_TRUSTED_PROXIES: '127.0.0.1',
      // webhooks.spec.ts posts to a receiver on 127.0.0.1, which the panel refuses by default.
      NOBREGAS_WEBHOOK_ALLOW_PRIVATE: 'true',
      RUST_LOG: 'warn',
    },
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
