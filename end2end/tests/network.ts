import type { CDPSession, Page } from '@playwright/test';

/** One response as Chromium's network stack saw it. */
export type Transfer = {
  url: string;
  status: number;
  /** Bytes received over the wire: headers plus the (compressed) body; 0 when served from cache. */
  bytes: number;
  /** Body bytes after decoding (what the page got). */
  decodedBytes: number;
  encoding: string;
  cacheControl: string;
  fromCache: boolean;
};

/**
 * Records every response of `page` through the Chrome DevTools Protocol, whose `encodedDataLength`
 * is what crossed the wire (Playwright's own events do not say whether the cache answered).
 */
export async function recordTransfers(page: Page): Promise<{ transfers: Transfer[]; cdp: CDPSession }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const pending = new Map<string, Transfer>();
  const transfers: Transfer[] = [];
  cdp.on('Network.responseReceived', (event) => {
    const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    pending.set(event.requestId, {
      url: event.response.url,
      status: event.response.status,
      bytes: 0,
      decodedBytes: 0,
      encoding: headers['content-encoding'] ?? '',
      cacheControl: headers['cache-control'] ?? '',
      fromCache: Boolean(event.response.fromDiskCache || event.response.fromPrefetchCache),
    });
  });
  cdp.on('Network.requestServedFromCache', (event) => {
    const transfer = pending.get(event.requestId);
    if (transfer) transfer.fromCache = true;
  });
  cdp.on('Network.dataReceived', (event) => {
    const transfer = pending.get(event.requestId);
    if (transfer) transfer.decodedBytes += event.dataLength;
  });
  cdp.on('Network.loadingFinished', (event) => {
    const transfer = pending.get(event.requestId);
    if (!transfer) return;
    transfer.bytes = transfer.fromCache ? 0 : event.encodedDataLength;
    pending.delete(event.requestId);
    transfers.push(transfer);
  });
  return { transfers, cdp };
}

/** The app's own code and style: its JS, WASM and CSS files. */
export function isAsset(url: string): boolean {
  return /\.(js|wasm|css)$/.test(new URL(url).pathname);
}

export const total = (transfers: Transfer[]) => transfers.reduce((sum, t) => sum + t.bytes, 0);

export function describe(transfers: Transfer[]): string {
  return transfers
    .map((t) => `${new URL(t.url).pathname} ${t.status} ${t.bytes} B over the wire (${t.decodedBytes} B decoded${t.encoding ? `, ${t.encoding}` : ''}${t.fromCache ? ', cache' : ''})`)
    .join('\n');
}
