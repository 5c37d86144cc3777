import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccount, signIn, waitHydrated } from './helpers';

type Received = { signature: string; body: string };

/** A local receiver that answers 204 and keeps what it was sent. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close: () => void }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ signature: String(req.headers['x-nobregas-signature'] ?? ''), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
}

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as the README documents it. */
function signatureHolds(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  return parts.v1 === expected;
}

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).include('main').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('a webhook added on Profile gets a signed test event and its delivery log shows it', async ({ page }) => {
  const receiver = await startReceiver();
  try {
    const account = createAccount();
    await signIn(page, account);
    await page.goto('/profile');
    await waitHydrated(page);
    const section = page.getByTestId('webhooks');
    await expect(section.getByTestId('no-webhooks')).toBeVisible();

    await section.getByLabel('URL', { exact: true }).fill(receiver.url);
    await section.getByRole('button', { name: 'Add webhook' }).click();
    const reveal = page.getByRole('dialog', { name: "Your webhook's secret" });
    await expect(reveal).toBeVisible();
    const secret = (await reveal.getByTestId('new-webhook-secret').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await expectAccessible(page);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await expect(reveal).toBeHidden();

    await expect(section.getByTestId('webhook-row')).toHaveCount(1);
    await section.getByRole('button', { name: `Send a test event to ${receiver.url}` }).click();
    await section.getByRole('button', { name: `Deliveries to ${receiver.url}` }).click();
    const log = section.getByTestId('delivery-log');
    await expect(log).toBeVisible();
    // The maintenance pass sends what is due every few seconds; the log is read again on Refresh.
    await expect(async () => {
      await log.getByRole('button', { name: 'Refresh' }).click();
      await expect(log.locator('[data-testid="delivery-row"][data-status="delivered"]')).toHaveCount(1, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(log.getByTestId('delivery-row')).toContainText('ping');

    expect(receiver.received).toHaveLength(1);
    const [{ signature, body }] = receiver.received;
    expect(JSON.parse(body)).toMatchObject({ event: 'ping', account: account.prefix });
    expect(signatureHolds(signature, body, secret)).toBe(true);
    expect(signatureHolds(signature, body, `${secret}x`)).toBe(false);
    await expectAccessible(page);

    await section.getByRole('button', { name: `Delete the webhook to ${receiver.url}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete webhook?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(section.getByTestId('no-webhooks')).toBeVisible();
  } finally {
    receiver.close();
  }
});
