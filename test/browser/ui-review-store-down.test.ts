import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/** The dashboard while the store does not answer: when an operator needs it most. */
const MASTER = 'master-key-for-ui-review-store-down';

let stack: LogsStack;
let browser: Browser;
/** While set, the store's calls (keys, logs) fail as a locked database's do. */
let down = false;

/** The real store, its keys and logs failing while `down` is set. */
function withFailingStore(inner: Store): Store {
  const failing = <T extends object>(repository: T): T => new Proxy(repository, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (down ? Promise.reject(new Error('database is locked')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  const keys = failing(inner.keys);
  const logs = failing(inner.logs);
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'keys') return keys;
      if (prop === 'logs') return logs;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe.skipIf(!hasChromium)('dashboard with the store down (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER),
      store: async (dbPath) => withFailingStore(await SqliteStore.open(dbPath)),
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs the master key in while the store is down, shows provider health, and says on the Keys page what is wrong', async () => {
    down = true;
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      tab.setDefaultTimeout(10_000);
      await tab.goto(`${stack.url}/ui#/providers`);
      await tab.fill('#sign-in-key', MASTER);
      await tab.click('#sign-in-submit');
      // The Providers page (credential health) is what an operator opens when things go wrong.
      await tab.waitForSelector('tr[data-credential="moonshot/main"]');
      expect(await tab.textContent('.who')).toBe('master key');
      expect(await tab.textContent('tr[data-credential="moonshot/main"]')).toContain('ok');
      // The error rate comes from the logs, which cannot be read now: said, not a blank.
      expect(await tab.textContent('#providers-body')).toContain('could not be read');
      await tab.click('nav a[href="#/keys"]');
      await expect.poll(() => tab.textContent('#keys-list')).toContain('The key store is not available');
    } finally {
      down = false;
      await context.close();
    }
  });
});
