import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { startGatewayOn } from '../helpers/stack.js';

/**
 * A web app on another origin calls the gateway with a gateway key, in a real browser (Debian's
 * Chromium): allowed by server.cors_origins, it gets answers and streams; a page on an origin not
 * listed is stopped by the browser.
 */
const MASTER = 'master-key-for-cors-browser-0001';

let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
let dir: string;
let allowedSite: Server;
let otherSite: Server;
let browser: Browser;
let key: string;

/** A site on its own loopback port (so its own origin) serving one empty page. */
async function site(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function pageAt(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

describe.skipIf(!hasChromium)('a web app on another origin (server.cors_origins)', () => {
  let allowedOrigin: string;
  let otherOrigin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-cors-browser-'));
    const allowed = await site();
    const other = await site();
    allowedSite = allowed.server;
    otherSite = other.server;
    allowedOrigin = allowed.origin;
    otherOrigin = other.origin;
    sim = await startSimulator({ quiet: true });
    gw = await startGatewayOn(
      sim,
      `
master_key: ${MASTER}
store: sqlite:${join(dir, 'gateway.db')}
server: { cors_origins: [ "${allowedOrigin}" ] }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    api_key: sk-cors-browser-test
models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
    );
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web-app' }),
    });
    key = ((await created.json()) as { key: string }).key;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await sim?.close();
    allowedSite?.close();
    otherSite?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs in the page: a chat call as a browser app makes it (headers that need a preflight). */
  const chatFromPage = (page: Page, stream: boolean) =>
    page.evaluate(
      async ({ url, key, stream }) => {
        try {
          const res = await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-stainless-os': 'Unknown' },
            body: JSON.stringify({ model: 'kimi', stream, messages: [{ role: 'user', content: 'hi' }] }),
          });
          const reads: string[] = [];
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          for (let r = await reader.read(); !r.done; r = await reader.read()) reads.push(decoder.decode(r.value, { stream: true }));
          return { ok: true, status: res.status, requestId: res.headers.get('x-moongate-request-id'), text: reads.join('') };
        } catch (err) {
          return { ok: false, error: String(err) };
        }
      },
      { url: gw.url, key, stream },
    );

  it('gets a completion and Moongate’s headers from a listed origin', async () => {
    const page = await pageAt(allowedOrigin);
    const result = await chatFromPage(page, false);
    expect(result).toMatchObject({ ok: true, status: 200, requestId: expect.any(String) });
    expect(JSON.parse(result.text!).choices[0].message.content).toBeTruthy();
    await page.close();
  });

  it('streams to a listed origin', async () => {
    const page = await pageAt(allowedOrigin);
    const result = await chatFromPage(page, true);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.text).toContain('"chat.completion.chunk"');
    expect(result.text!.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await page.close();
  });

  it('is stopped by the browser on an origin not listed', async () => {
    const page = await pageAt(otherOrigin);
    const result = await chatFromPage(page, false);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('Failed to fetch') });
    await page.close();
  });
});
