import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/** Client-side routes under the browser's own navigation: slow answers, back, forward, reload. */
const MASTER = 'master-key-for-ui-review-routing';

let stack: LogsStack;
let browser: Browser;

async function signedIn(hash: string): Promise<Page> {
  const tab = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  tab.setDefaultTimeout(10_000);
  await tab.goto(`${stack.url}/ui${hash}`);
  await tab.fill('#sign-in-key', MASTER);
  await tab.click('#sign-in-submit');
  await tab.waitForSelector('#sign-out');
  return tab;
}

describe.skipIf(!hasChromium)('dashboard routes (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER),
    });
    // 120 records a minute apart, newest first: three pages of 50.
    const records = Array.from({ length: 120 }, (_, i) => ({
      id: `rec-${String(i).padStart(3, '0')}`,
      model: 'moonshot/kimi-k2.6',
      customer_identifier: i % 2 ? 'odd' : 'even',
      created_at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
      prompt_tokens: 1,
      completion_tokens: 1,
    }));
    expect((await stack.api('/v1/logs', { body: records, token: MASTER })).status).toBe(201);
    await stack.flush();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('stops the live tail on leaving the logs, even when a slow record page was left for it', async () => {
    const tab = await signedIn('#/overview');
    await tab.waitForSelector('#overview-refresh');
    // The record answers after 2 s: the user has gone to the logs by then.
    await tab.route(/\/v1\/logs\/rec-000$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await route.continue().catch(() => undefined);
    });
    const tailed: string[] = [];
    tab.on('request', (req) => {
      if (/\/v1\/logs\?.*limit=50/.test(req.url())) tailed.push(req.url());
    });
    await tab.evaluate("location.hash = '#/logs/rec-000'");
    await tab.waitForTimeout(200);
    await tab.evaluate("location.hash = '#/logs'");
    await tab.check('#logs-tail');
    await tab.waitForTimeout(2_500);
    await tab.evaluate("location.hash = '#/keys'");
    await tab.waitForSelector('#key-form');
    const before = tailed.length;
    await tab.waitForTimeout(4_500);
    // The logs page is gone: nothing polls its table any more.
    expect(tailed.length - before).toBe(0);
    await tab.context().close();
  });

  it('pauses the live tail while the tab is hidden, and reads the latest when it is shown again', async () => {
    const tab = await signedIn('#/logs');
    await tab.waitForSelector('#logs-table tbody tr');
    const tailed: string[] = [];
    tab.on('request', (req) => {
      if (/\/v1\/logs\?.*limit=50/.test(req.url())) tailed.push(req.url());
    });
    await tab.check('#logs-tail');
    await tab.waitForTimeout(2_500);
    expect(tailed.length).toBeGreaterThan(0);
    // What a browser does when the tab goes to the background (headless Chromium never hides it).
    const setHidden = (hidden: boolean) =>
      tab.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${hidden} }); document.dispatchEvent(new Event('visibilitychange'))`);
    await setHidden(true);
    await tab.waitForTimeout(300);
    const before = tailed.length;
    await tab.waitForTimeout(4_500);
    expect(tailed.length - before).toBe(0);
    await setHidden(false);
    await expect.poll(() => tailed.length).toBeGreaterThan(before);
    await tab.context().close();
  });

  it('keeps the logs’ filters and page through a record, back, forward and reload', async () => {
    const tab = await signedIn('#/logs');
    await tab.waitForSelector('#logs-table tbody tr');
    const firstRow = () => tab.getAttribute('#logs-table tbody tr:first-child', 'data-id');
    await tab.fill('#logs-filter-customer', 'odd');
    await tab.click('#logs-apply');
    await expect.poll(firstRow).toBe('rec-001');
    await tab.click('#logs-next');
    // The 51st record of customer "odd" heads page 2.
    await expect.poll(firstRow).toBe('rec-101');
    await tab.click('#logs-table tbody tr:first-child td:nth-child(3)');
    await tab.waitForSelector('#log-detail');

    await tab.goBack();
    await expect.poll(firstRow).toBe('rec-101');
    expect(await tab.inputValue('#logs-filter-customer')).toBe('odd');
    expect(await tab.textContent('.pager')).toContain('Page 2');

    await tab.reload();
    await expect.poll(firstRow).toBe('rec-101');
    expect(await tab.inputValue('#logs-filter-customer')).toBe('odd');

    await tab.goBack();
    await expect.poll(firstRow).toBe('rec-001');
    expect(await tab.inputValue('#logs-filter-customer')).toBe('odd');
    await tab.goForward();
    await expect.poll(firstRow).toBe('rec-101');

    // The Newer button knows page 1's position, after the reload too.
    await tab.click('#logs-prev');
    await expect.poll(firstRow).toBe('rec-001');
    expect(await tab.textContent('.pager')).toContain('Page 1');
    // The record page's way back to the list keeps the filter.
    await tab.click('#logs-table tbody tr:first-child td:nth-child(3)');
    await tab.waitForSelector('#log-detail');
    await tab.click('a:text-is("← Logs")');
    await expect.poll(firstRow).toBe('rec-001');
    expect(await tab.inputValue('#logs-filter-customer')).toBe('odd');
    await tab.context().close();
  });

  it('opens a record in a new tab on Ctrl+click, and lets the text of a row be selected, without leaving the list', async () => {
    const tab = await signedIn('#/logs');
    await tab.waitForSelector('#logs-table tbody tr');
    const listHash = await tab.evaluate('location.hash');
    const opened = tab.context().waitForEvent('page');
    await tab.click('#logs-table tbody tr:first-child td:first-child a', { modifiers: ['Control'] });
    expect((await opened).url()).toContain('#/logs/rec-000');
    await tab.waitForTimeout(300);
    expect(await tab.evaluate('location.hash')).toBe(listHash);

    // Dragging over an id to copy it is a selection, not a click on the row.
    const cell = (await tab.locator('#logs-table tbody tr:nth-child(2) td:nth-child(6)').boundingBox())!;
    await tab.mouse.move(cell.x + 2, cell.y + cell.height / 2);
    await tab.mouse.down();
    await tab.mouse.move(cell.x + cell.width - 2, cell.y + cell.height / 2, { steps: 5 });
    await tab.mouse.up();
    await tab.waitForTimeout(300);
    expect(await tab.evaluate('String(getSelection())')).not.toBe('');
    expect(await tab.evaluate('location.hash')).toBe(listHash);
    await tab.context().close();
  });

  it('forgets the filters of a key the gateway refused before the next key signs in on that tab', async () => {
    const a = (await stack.api('/admin/keys', { body: { name: 'first-user' }, token: MASTER })).json;
    const b = (await stack.api('/admin/keys', { body: { name: 'second-user' }, token: MASTER })).json;
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/logs`);
    await tab.fill('#sign-in-key', a.key);
    await tab.click('#sign-in-submit');
    await tab.waitForSelector('#logs-apply');
    await tab.fill('#logs-filter-customer', 'first-users-secret-customer');
    await tab.click('#logs-apply');
    await tab.waitForSelector('#logs-table p, #logs-table table');
    expect((await stack.api(`/admin/keys/${a.id}`, { method: 'DELETE', token: MASTER })).status).toBe(200);
    await tab.click('#logs-apply');
    await tab.waitForSelector('.sign-in .error');
    expect(await tab.textContent('.sign-in .error')).toContain('revoked');

    await tab.fill('#sign-in-key', b.key);
    await tab.click('#sign-in-submit');
    await tab.click('nav a[href="#/logs"]');
    await tab.waitForSelector('#logs-apply');
    expect(await tab.inputValue('#logs-filter-customer')).toBe('');
    expect(await tab.evaluate('location.hash')).not.toContain('secret');
    expect(await tab.evaluate('JSON.stringify(sessionStorage)')).not.toContain('logs.previous');
    await context.close();
  });

  it('keeps the overview’s range and breakdown through a reload and a look at another page', async () => {
    const tab = await signedIn('#/overview');
    await tab.waitForSelector('#overview-breakdown');
    await tab.selectOption('#overview-range', '7d');
    await tab.selectOption('#overview-group', 'customer');
    await expect.poll(() => tab.textContent('#overview-breakdown')).toContain('odd');
    await tab.reload();
    await tab.waitForSelector('#overview-breakdown');
    expect(await tab.inputValue('#overview-range')).toBe('7d');
    expect(await tab.inputValue('#overview-group')).toBe('customer');
    expect(await tab.textContent('#overview-breakdown')).toContain('odd');
    await tab.click('nav a[href="#/keys"]');
    await tab.waitForSelector('#key-form');
    await tab.goBack();
    await tab.waitForSelector('#overview-breakdown');
    expect(await tab.inputValue('#overview-range')).toBe('7d');
    expect(await tab.inputValue('#overview-group')).toBe('customer');
    await tab.context().close();
  });

  it('tells a gateway key that the Keys and Providers pages need the master key, rather than "No such page"', async () => {
    const created = (await stack.api('/admin/keys', { body: { name: 'not-an-admin' }, token: MASTER })).json;
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/keys`);
    await tab.fill('#sign-in-key', created.key);
    await tab.click('#sign-in-submit');
    await expect.poll(() => tab.textContent('main')).toContain('needs the master key');
    expect(await tab.textContent('main')).not.toContain('No such page');
    expect(await tab.locator('#key-form').count()).toBe(0);
    await tab.goto(`${stack.url}/ui#/providers`);
    await expect.poll(() => tab.textContent('main')).toContain('needs the master key');
    await context.close();
  });

  it('names each page in the tab’s title, so that the back button’s history list tells them apart', async () => {
    const tab = await signedIn('#/overview');
    await tab.waitForSelector('#overview-refresh');
    expect(await tab.title()).toBe('Overview · Moongate');
    await tab.click('nav a[href="#/logs"]');
    await tab.waitForSelector('#logs-table tbody tr');
    expect(await tab.title()).toBe('Logs · Moongate');
    await tab.click('#logs-table tbody tr:first-child td:nth-child(3)');
    await tab.waitForSelector('#log-detail');
    expect(await tab.title()).toMatch(/^Request rec-\d+ · Moongate$/);
    await tab.click('#sign-out');
    await tab.waitForSelector('#sign-in-key');
    expect(await tab.title()).toBe('Sign in · Moongate');
    await tab.context().close();
  });

  it('takes a time copied from the table (or a record’s page) as a from/to filter', async () => {
    const tab = await signedIn('#/logs');
    await tab.waitForSelector('#logs-table tbody tr');
    // The third row's time, as the table shows it: "2026-11-30 20:32:06.577".
    const shown = (await tab.textContent('#logs-table tbody tr:nth-child(3) td:first-child'))!;
    const id = await tab.getAttribute('#logs-table tbody tr:nth-child(3)', 'data-id');
    await tab.fill('#logs-filter-to', `${shown} UTC`);
    await tab.click('#logs-apply');
    await expect.poll(() => tab.locator('#logs-table .error').count()).toBe(0);
    // `to` is exclusive: the list now starts with the record after that row.
    await expect.poll(() => tab.getAttribute('#logs-table tbody tr:first-child', 'data-id')).toBe('rec-003');
    await tab.fill('#logs-filter-to', '');
    await tab.fill('#logs-filter-from', shown);
    await tab.click('#logs-apply');
    await expect.poll(() => tab.getAttribute('#logs-table tbody tr:last-child', 'data-id')).toBe(id);
    expect(await tab.locator('#logs-table .error').count()).toBe(0);
    await tab.context().close();
  });

  it('names the gateway key of each record in the logs and the overview (for the master key), not only its id', async () => {
    const created = (await stack.api('/admin/keys', { body: { name: 'team-search' }, token: MASTER })).json;
    const sent = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6', prompt_tokens: 1, completion_tokens: 1 }, token: created.key });
    expect(sent.status).toBe(201);
    await stack.flush();
    const tab = await signedIn('#/logs');
    const cell = `#logs-table tr[data-id="${sent.json.id}"] td:nth-child(5)`;
    await tab.waitForSelector(cell);
    expect(await tab.textContent(cell)).toContain('team-search');
    expect(await tab.textContent(cell)).toContain(created.id);
    await tab.goto(`${stack.url}/ui#/overview?range=24h&group=key`);
    await expect.poll(() => tab.textContent('#overview-breakdown')).toContain('team-search');
    await tab.context().close();
  });
});
