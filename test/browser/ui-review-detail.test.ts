import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { ARTIFACTS, buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

/** A record's page with what callers really send: right-to-left names, odd bodies, several choices. */
const MASTER = 'master-key-for-ui-review-detail';

let stack: LogsStack;
let browser: Browser;
let tab: Page;

async function open(id: string): Promise<void> {
  await tab.goto(`${stack.url}/ui#/logs/${id}`);
  await tab.waitForSelector('#log-attempts');
}

/** Where `needle` (found in the text of `selector`, its last occurrence if `last`) starts on screen, from the left. */
async function xOf(selector: string, needle: string, last = false): Promise<number> {
  // Run in the page (a string: these tests are type-checked without the DOM's types).
  const find = `(() => {
    const [selector, needle, last] = ${JSON.stringify([selector, needle, last])};
    const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
    let found;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = last ? node.data.lastIndexOf(needle) : node.data.indexOf(needle);
      if (at >= 0) {
        found = { node, at };
        if (!last) break;
      }
    }
    if (!found) throw new Error(needle + ' not in ' + selector);
    const range = document.createRange();
    range.setStart(found.node, found.at);
    range.setEnd(found.node, found.at + needle.length);
    return range.getBoundingClientRect().left;
  })()`;
  return Number(await tab.evaluate(find));
}

describe.skipIf(!hasChromium)('a record’s page (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER),
    });
    const records = [
      {
        id: 'rtl',
        model: 'moonshot/kimi-k2.6',
        // A right-to-left override left open in a caller's text, and a Hebrew credential name.
        model_requested: 'kimi\u202Eabc',
        attempts: [{ provider: 'moonshot', model: 'kimi-k2.6', credential: 'מפתח', status: 200, started_ms: 0, duration_ms: 5 }],
      },
      { id: 'no-bodies', model: 'moonshot/kimi-k2.6' },
      // kimi-latest has no price (it depends on the prompt's length tier).
      { id: 'unpriced', model: 'moonshot/kimi-latest', prompt_tokens: 10, completion_tokens: 5 },
      { id: 'tagged', model: 'moonshot/kimi-k2.6', user: 'end-user-7', trace_id: 'trace-42', metadata: { team: 'search', experiment: 'b' } },
      { id: 'not-chat', model: 'moonshot/kimi-k2.6', request: { prompt: 'Complete this: once upon' }, response: { choices: [{ index: 0, text: ' a time' }] } },
      {
        id: 'two-choices',
        model: 'moonshot/kimi-k2.6',
        request: { n: 2, messages: [{ role: 'user', content: 'two ways' }] },
        response: { choices: [{ index: 0, message: { role: 'assistant', content: 'the first way' } }, { index: 1, message: { role: 'assistant', content: 'the second way' } }] },
      },
    ];
    expect((await stack.api('/v1/logs', { body: records, token: MASTER })).status).toBe(201);
    await stack.flush();
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/logs`);
    await tab.fill('#sign-in-key', MASTER);
    await tab.click('#sign-in-submit');
    await tab.waitForSelector('#logs-table');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('keeps right-to-left names from reordering the text around them', async () => {
    await open('rtl');
    await tab.screenshot({ path: join(ARTIFACTS, 'ui-review-detail-rtl.png'), fullPage: true });
    // "via מפתח → 200": the credential, then its status; the Hebrew used to swap places with the 200.
    expect(await xOf('#log-attempts li', 'מפתח')).toBeLessThan(await xOf('#log-attempts li', '200'));
    // The override in the asked-for name stays inside it: the closing parenthesis is still last.
    expect(await xOf('#log-detail', ')', true)).toBeGreaterThan(await xOf('#log-detail', 'abc'));
  });

  it('does not blame logging.bodies for a record sent in without bodies', async () => {
    await open('no-bodies');
    expect(await tab.textContent('main')).not.toContain('logging.bodies: off');
    expect(await tab.textContent('main')).toContain('No request body');
  });

  it('shows a request body that has no messages, rather than an empty Messages card', async () => {
    await open('not-chat');
    // Rendered text only: the raw record, folded away, holds it too.
    expect(await tab.innerText('main')).toContain('Complete this: once upon');
  });

  it('shows every choice of an answer, not only the first', async () => {
    await open('two-choices');
    const answer = await tab.textContent('#log-answer');
    expect(answer).toContain('the first way');
    expect(answer).toContain('the second way');
  });

  it('shows who a request was for: metadata, user and trace id, not only in the raw record', async () => {
    await open('tagged');
    const shown = await tab.innerText('#log-detail');
    expect(shown).toContain('end-user-7');
    expect(shown).toContain('trace-42');
    expect(shown).toContain('search');
  });

  it('says a cost is unknown, in the list and on the record, rather than a bare dash', async () => {
    await open('unpriced');
    expect(await tab.innerText('#log-detail')).toMatch(/Cost\s+unpriced/);
    await tab.goto(`${stack.url}/ui#/logs`);
    await tab.waitForSelector('#logs-table tr[data-id="unpriced"]');
    expect(await tab.textContent('#logs-table tr[data-id="unpriced"] td:nth-child(8)')).toBe('unpriced');
  });
});
