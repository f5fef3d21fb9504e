import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { ARTIFACTS, buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/** The dashboard on a phone-sized screen. Screenshots go to test-artifacts/ui-review-narrow-*.png. */
const MASTER = 'master-key-for-ui-review-layout';

let stack: LogsStack;
let browser: Browser;

describe.skipIf(!hasChromium)('dashboard layout (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER),
    });
    const records = Array.from({ length: 5 }, (_, i) => ({
      id: `narrow-${i}`,
      model: 'moonshot/kimi-k2.6',
      customer_identifier: `customer-${i}`,
      prompt_tokens: 1000 + i,
      completion_tokens: 20,
      latency_ms: 1234,
      request: { messages: [{ role: 'user', content: 'hello' }] },
    }));
    expect((await stack.api('/v1/logs', { body: records, token: MASTER })).status).toBe(201);
    expect((await stack.api('/admin/keys', { body: { name: 'phone', budget_usd: 5 }, token: MASTER })).status).toBe(201);
    await stack.flush();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('fits every page to a 375-pixel-wide screen: no sideways scrolling of the page, the menu and Sign out on screen', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const tab = await context.newPage();
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/overview`);
    await tab.fill('#sign-in-key', MASTER);
    await tab.click('#sign-in-submit');
    const pages = [
      ['overview', '[data-chart="Requests"] canvas'],
      ['logs', '#logs-table tbody tr'],
      ['logs/narrow-0', '#log-detail'],
      ['keys', '#keys-list tbody tr'],
      ['providers', 'tr[data-credential]'],
      ['playground', '#pg-run'],
    ] as const;
    const overflowing: string[] = [];
    for (const [hash, ready] of pages) {
      await tab.goto(`${stack.url}/ui#/${hash}`);
      await tab.waitForSelector(ready);
      await tab.screenshot({ path: join(ARTIFACTS, `ui-review-narrow-${hash.replace('/', '-')}.png`), fullPage: true });
      const width = Number(await tab.evaluate('document.documentElement.scrollWidth'));
      if (width > 375) overflowing.push(`${hash}: ${width}px`);
      const signOut = (await tab.locator('#sign-out').boundingBox())!;
      if (signOut.x + signOut.width > 375) overflowing.push(`${hash}: Sign out at ${signOut.x}px`);
    }
    expect(overflowing).toEqual([]);
    await context.close();
  });
});
