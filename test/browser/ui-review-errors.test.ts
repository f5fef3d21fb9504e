import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/**
 * Error answers that are not the gateway's own shape (a reverse proxy's HTML page, an error whose
 * message is an object or a bare string) are said readably, never "[object Object]" or a bare status.
 */
const MASTER = 'master-key-for-ui-review-errors';

let stack: LogsStack;
let browser: Browser;
let tab: Page;

const ANSWERS = [
  { name: 'an object as the message', status: 500, type: 'application/json', body: '{"error":{"message":{"detail":"the upstream is on fire"}}}', says: 'the upstream is on fire' },
  { name: 'a bare string as the error', status: 502, type: 'application/json', body: '{"error":"upstream connect error or disconnect/reset before headers"}', says: 'upstream connect error' },
  { name: 'a proxy’s HTML page', status: 504, type: 'text/html', body: '<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1><hr>nginx</body></html>', says: '504 Gateway Time-out' },
];

describe.skipIf(!hasChromium)('error answers (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(
        MASTER,
        `models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
      ),
    });
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/playground`);
    await tab.fill('#sign-in-key', MASTER);
    await tab.click('#sign-in-submit');
    await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const answer of ANSWERS) {
    it(`says ${answer.name} readably, on the logs page and in the playground`, async () => {
      const fulfil = (route: Route) => route.fulfill({ status: answer.status, headers: { 'content-type': answer.type }, body: answer.body });
      await tab.route(/\/v1\/logs\?/, fulfil);
      await tab.route('**/v1/chat/completions', fulfil);
      try {
        // A filter of its own, so that each case is a new address (a page the tab already shows is not drawn again).
        await tab.goto(`${stack.url}/ui#/logs?model=${encodeURIComponent(answer.name)}`);
        await tab.waitForSelector('#logs-table .error');
        const logs = (await tab.textContent('#logs-table .error')) ?? '';
        expect(logs).toContain(answer.says);
        expect(logs).toContain(String(answer.status));
        expect(logs).not.toContain('[object Object]');
        expect(logs).not.toContain('<');

        await tab.goto(`${stack.url}/ui#/playground`);
        await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
        await tab.fill('#pg-user', 'hello');
        await tab.click('#pg-run');
        await tab.waitForSelector('#pg-status .error');
        const playground = (await tab.textContent('#pg-status .error')) ?? '';
        expect(playground).toContain(answer.says);
        expect(playground).not.toContain('[object Object]');
      } finally {
        await tab.unroute(/\/v1\/logs\?/);
        await tab.unroute('**/v1/chat/completions');
      }
    });
  }

  it('says a stream’s error event whose message is an object readably', async () => {
    await tab.route('**/v1/chat/completions', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: 'data: {"error":{"message":{"detail":"failed mid-stream"}}}\n\n' }),
    );
    try {
      await tab.goto(`${stack.url}/ui#/playground`);
      await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
      await tab.fill('#pg-user', 'hello');
      await tab.click('#pg-run');
      await tab.waitForSelector('#pg-status .error');
      const said = (await tab.textContent('#pg-status .error')) ?? '';
      expect(said).toContain('failed mid-stream');
      expect(said).not.toContain('[object Object]');
    } finally {
      await tab.unroute('**/v1/chat/completions');
    }
  });
});
