import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/** A slow store: while an answer is out, the page says it is loading rather than pass old rows off as the new ones. */
const MASTER = 'master-key-for-ui-review-slow';

let stack: LogsStack;
let browser: Browser;
let tab: Page;

const slow = async (route: Route): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await route.continue().catch(() => undefined);
};

describe.skipIf(!hasChromium)('a slow store (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER),
    });
    const records = ['alpha', 'beta'].map((customer) => ({ model: 'moonshot/kimi-k2.6', customer_identifier: customer, prompt_tokens: 1, completion_tokens: 1 }));
    expect((await stack.api('/v1/logs', { body: records, token: MASTER })).status).toBe(201);
    await stack.flush();
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/keys`);
    await tab.fill('#sign-in-key', MASTER);
    await tab.click('#sign-in-submit');
    await tab.waitForSelector('#key-form');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('says the logs are loading, on the first load and when a filter is applied', async () => {
    await tab.route(/\/v1\/logs\?/, slow);
    try {
      await tab.click('nav a[href="#/logs"]');
      await expect.poll(() => tab.textContent('#logs-table'), { timeout: 1_000 }).toContain('Loading');
      await tab.waitForSelector('#logs-table tbody tr');
      await tab.fill('#logs-filter-customer', 'alpha');
      await tab.click('#logs-apply');
      // The rows of the previous filter (beta's among them) are marked as old until the answer comes.
      await expect.poll(() => tab.getAttribute('#logs-table', 'aria-busy'), { timeout: 1_000 }).toBe('true');
      expect(await tab.textContent('.pager')).toContain('Loading');
      await expect.poll(() => tab.getAttribute('#logs-table', 'aria-busy'), { timeout: 5_000 }).toBe('false');
      expect(await tab.textContent('#logs-table')).not.toContain('beta');
    } finally {
      await tab.unroute(/\/v1\/logs\?/, slow);
    }
  });

  it('says the overview is loading when the range changes', async () => {
    await tab.click('nav a[href="#/overview"]');
    await tab.waitForSelector('#overview-breakdown');
    await tab.route(/\/v1\/usage\?/, slow);
    try {
      await tab.selectOption('#overview-range', '7d');
      await expect.poll(() => tab.getAttribute('#overview-body', 'aria-busy'), { timeout: 1_000 }).toBe('true');
      await expect.poll(() => tab.getAttribute('#overview-body', 'aria-busy'), { timeout: 5_000 }).toBe('false');
    } finally {
      await tab.unroute(/\/v1\/usage\?/, slow);
    }
  });

  it('says the keys are loading', async () => {
    await tab.route(/\/admin\/keys$/, slow);
    try {
      await tab.click('nav a[href="#/keys"]');
      await expect.poll(() => tab.textContent('#keys-list'), { timeout: 1_000 }).toContain('Loading');
    } finally {
      await tab.unroute(/\/admin\/keys$/, slow);
    }
  });
});
