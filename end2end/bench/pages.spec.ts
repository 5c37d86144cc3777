// `make bench`, browser part: what a first visit to /login transfers, the WASM's raw and compressed
// sizes, and the time to interactive of /profile (signed in), median of 10, cold and warm cache.
// Figures go to docs/PERFORMANCE.md by hand; nothing here fails on a time.
import { test, type Browser, type BrowserContext } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { createAccount, dropAccountDatabases, repoRoot, signIn, waitHydrated } from '../tests/helpers';
import { describe, recordTransfers, total } from '../tests/network';

const RUNS = 10;

/** Records, in the page, when `body[data-hydrated]` appears: ms since navigation start. */
const observeHydration = () => {
  new MutationObserver((_, observer) => {
    if (document.body?.hasAttribute('data-hydrated')) {
      (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
};

async function timeToInteractive(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  await page.addInitScript(observeHydration);
  await page.goto(url);
  await waitHydrated(page);
  const at = await page.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt);
  await page.close();
  return at;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
};

function wasmSizes(): string {
  const pkg = path.join(repoRoot, 'target', 'site', 'pkg');
  const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : NaN);
  return fs
    .readdirSync(pkg)
    .filter((name) => name.endsWith('.wasm'))
    .map((name) => {
      const file = path.join(pkg, name);
      return { name, raw: size(file), br: size(`${file}.br`), gz: size(`${file}.gz`) };
    })
    .sort((a, b) => b.raw - a.raw)
    .map((w) => `  ${w.name}: ${w.raw} B raw, ${w.br} B brotli, ${w.gz} B gzip`)
    .join('\n');
}

async function signedInState(browser: Browser, baseURL: string | undefined) {
  const account = createAccount();
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, account);
  const state = await context.storageState();
  await context.close();
  return { account, state };
}

test('page weight and time to interactive', async ({ browser, baseURL }) => {
  console.log(`WASM files in target/site/pkg (largest first):\n${wasmSizes()}`);

  const cold = await browser.newContext({ baseURL });
  const page = await cold.newPage();
  const first = await recordTransfers(page);
  await page.goto('/login');
  await waitHydrated(page);
  await page.waitForLoadState('networkidle');
  console.log(`first visit to /login: ${total(first.transfers)} bytes over the wire\n${describe(first.transfers)}`);
  await cold.close();

  const { account, state } = await signedInState(browser, baseURL);
  try {
    const coldRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A new context per run: an empty cache, as a first visit after signing in elsewhere.
      const context = await browser.newContext({ baseURL, storageState: state });
      coldRuns.push(await timeToInteractive(context, '/profile'));
      await context.close();
    }
    const warm = await browser.newContext({ baseURL, storageState: state });
    await timeToInteractive(warm, '/profile'); // fills the cache
    const warmRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) warmRuns.push(await timeToInteractive(warm, '/profile'));
    await warm.close();
    const ms = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    console.log(`time to interactive of /profile, cold cache: median ${median(coldRuns).toFixed(0)} ms (${ms(coldRuns)})`);
    console.log(`time to interactive of /profile, warm cache: median ${median(warmRuns).toFixed(0)} ms (${ms(warmRuns)})`);
  } finally {
    dropAccountDatabases(account.prefix);
  }
});
