import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium, openPlayground } from '../helpers/browser.js';

/** The playground's conversation over several turns, as a second look found it. */
const MASTER = 'master-key-for-ui-review-session-playground';
const WEATHER = '[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]';

let stack: LogsStack;
let browser: Browser;
let tab: Page;

async function done(): Promise<void> {
  await tab.waitForSelector('#pg-status[data-done="true"]');
}

async function failed(): Promise<void> {
  await tab.waitForSelector('#pg-status .error');
  await expect.poll(() => tab.isDisabled('#pg-run')).toBe(false);
}

async function fresh(): Promise<void> {
  await tab.click('#pg-new');
  await tab.fill('#pg-tools', '');
}

describe.skipIf(!hasChromium)('playground conversation (session review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(MASTER, 'models:\n  - { name: kimi, model: moonshot/kimi-k2.6 }\n'),
      writer: { flushIntervalMs: 250 },
    });
    browser = await launchChromium();
    tab = await openPlayground(browser, stack.url, MASTER, 'kimi');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('keeps the last answer in view while the next message is sent, and after it fails', async () => {
    await fresh();
    await tab.fill('#pg-user', 'first question');
    await tab.click('#pg-run');
    await done();
    const answer = (await tab.textContent('#pg-content'))!;
    expect(answer).toContain('first question');
    await tab.fill('#pg-user', 'second [[sim:error=500]]');
    await tab.click('#pg-run');
    await failed();
    // It vanished: the transcript left it out as "shown below", and the output was cleared.
    const transcript = (await tab.textContent('#pg-transcript'))!;
    expect(transcript).toContain('first question');
    expect(transcript).toContain(answer);
    // Sent again, the failed message is not in the conversation.
    await tab.fill('#pg-user', 'second again');
    await tab.click('#pg-run');
    await done();
    expect(await tab.textContent('#pg-transcript')).toContain('second again');
    expect(await tab.textContent('#pg-transcript')).not.toContain('sim:error');
  });

  it('keeps typed tool results through a look at a failed request\'s log record and back, and a reload', async () => {
    await fresh();
    await tab.fill('#pg-tools', WEATHER);
    await tab.fill('#pg-user', 'What is the weather in Paris?');
    await tab.click('#pg-run');
    await done();
    await tab.fill('#pg-tool-result-0', 'sunny, 21 °C');
    await tab.fill('#pg-user', 'and tomorrow? [[sim:error=500]]');
    await tab.click('#pg-run');
    await failed();
    await tab.click('#pg-status a[href^="#/logs/"]');
    await tab.waitForSelector('#log-detail');
    await tab.goBack();
    await tab.waitForSelector('#pg-tool-result-0');
    expect(await tab.inputValue('#pg-tool-result-0')).toBe('sunny, 21 °C');
    await tab.reload();
    await tab.waitForSelector('#pg-tool-result-0');
    expect(await tab.inputValue('#pg-tool-result-0')).toBe('sunny, 21 °C');
    await tab.fill('#pg-user', '');
    await tab.click('#pg-run');
    await done();
    expect(await tab.textContent('#pg-content')).toContain('The get_weather tool returned: sunny, 21 °C');
    // Sent, the result is the conversation's: nothing typed is left over for the next call.
    expect(await tab.evaluate("sessionStorage.getItem('moongate.playground.tool-results')")).toBeNull();
  });

  it('continues a thinking Kimi conversation through a tool call answered without a stream, and on another model', async () => {
    await fresh();
    await tab.selectOption('#pg-stream', 'off');
    try {
      await tab.fill('#pg-tools', WEATHER);
      await tab.fill('#pg-user', 'Weather in Oslo?');
      await tab.click('#pg-run');
      await done();
      await tab.fill('#pg-tool-result-0', 'snow');
      await tab.click('#pg-run');
      await done();
      expect(await tab.textContent('#pg-content')).toContain('The get_weather tool returned: snow');
      // Another model takes the conversation on.
      await tab.selectOption('#pg-model', 'moonshot/kimi-k2.5');
      await tab.fill('#pg-tools', '');
      await tab.fill('#pg-user', 'Thanks');
      await tab.click('#pg-run');
      await done();
      expect(await tab.textContent('#pg-transcript')).toContain('snow');
    } finally {
      await tab.selectOption('#pg-stream', 'on');
      await tab.selectOption('#pg-model', 'kimi');
    }
  });

  it('does not keep a stopped tool-calling answer', async () => {
    await fresh();
    await tab.fill('#pg-tools', WEATHER);
    await tab.fill('#pg-user', 'Weather in Rome? [[sim:latency=3000]]');
    await tab.click('#pg-run');
    await tab.waitForSelector('#pg-stop:not([disabled])');
    await tab.click('#pg-stop');
    await failed();
    expect(await tab.textContent('#pg-status')).toContain('Stopped');
    expect(await tab.$('#pg-tool-result-0')).toBeNull();
    expect(await tab.evaluate("sessionStorage.getItem('moongate.playground.conversation')")).toBeNull();
  });

  it('shows markup in content, tool names and arguments as inert text, right to left where written so, within a 375-pixel screen', async () => {
    const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const long = 'x'.repeat(3000);
    const events = [
      { choices: [{ delta: { role: 'assistant', content: `שלום ${hostile} ${long}` } }] },
      { choices: [{ delta: { tool_calls: [{ index: 0, id: `call_${hostile}`, type: 'function', function: { name: `tool${hostile}`, arguments: `{"q":"${hostile.replace(/"/g, '\\"')}"}` } }] }, finish_reason: 'tool_calls' }] },
    ];
    const body = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
    await tab.setViewportSize({ width: 375, height: 800 });
    await tab.route('**/v1/chat/completions', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }));
    try {
      await fresh();
      await tab.fill('#pg-user', `${hostile} مرحبا ${long}`);
      await tab.click('#pg-run');
      await done();
      await tab.fill('#pg-tool-result-0', hostile);
      await tab.fill('#pg-user', 'again');
      await tab.click('#pg-run');
      await done();
      expect(await tab.evaluate('window.__xss')).toBeUndefined();
      expect(await tab.$$eval('#pg-transcript img, #pg-transcript script, #pg-tool-results img, #pg-content img', (els) => els.length)).toBe(0);
      const transcript = (await tab.textContent('#pg-transcript'))!;
      expect(transcript).toContain(hostile);
      expect(transcript).toContain(`tool${hostile}`);
      expect(await tab.evaluate("getComputedStyle(document.querySelector('#pg-transcript li.assistant .text')).direction")).toBe('rtl');
      expect(Number(await tab.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(375);
    } finally {
      await tab.unroute('**/v1/chat/completions');
      await tab.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('works for a gateway key, and sign-out forgets the conversation', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'playground-key' } });
    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    other.setDefaultTimeout(10_000);
    try {
      await other.goto(`${stack.url}/ui#/playground`);
      await other.fill('#sign-in-key', created.json.key);
      await other.click('#sign-in-submit');
      await other.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
      await other.selectOption('#pg-model', 'kimi');
      await other.fill('#pg-user', 'from a gateway key');
      await other.click('#pg-run');
      await other.waitForSelector('#pg-status[data-done="true"]');
      await expect.poll(() => other.textContent('#pg-cost')).toMatch(/^\$/);
      await other.fill('#pg-user', 'second turn');
      await other.click('#pg-run');
      await other.waitForSelector('#pg-status[data-done="true"]');
      expect(await other.textContent('#pg-transcript')).toContain('from a gateway key');
      await other.click('#sign-out');
      await other.waitForSelector('#sign-in-key');
      await other.fill('#sign-in-key', MASTER);
      await other.click('#sign-in-submit');
      await other.waitForSelector('#nav a[href="#/playground"], a[href="#/playground"]');
      await other.goto(`${stack.url}/ui#/playground`);
      await other.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
      expect(await other.isVisible('#pg-transcript')).toBe(false);
      expect(await other.textContent('#pg-content')).toBe('');
    } finally {
      await other.close();
    }
  });

  it('keeps a conversation too long for the tab\'s storage going, and says a reload would lose it', async () => {
    await fresh();
    await tab.fill('#pg-user', 'a question');
    // The tab's storage nearly full (Chromium keeps about 10 MB per origin), as very long turns leave it.
    await tab.evaluate(`(() => {
      let size = 1 << 22;
      let filler = '';
      while (size >= 64) {
        try { sessionStorage.setItem('moongate.test-filler', filler + 'x'.repeat(size)); filler += 'x'.repeat(size); } catch { size >>= 1; }
      }
    })()`);
    try {
      await tab.click('#pg-run');
      await expect.poll(() => tab.isDisabled('#pg-run')).toBe(false);
      // It said the storage quota was exceeded and was not kept: the answer was lost to the next message.
      expect(await tab.getAttribute('#pg-status', 'data-done')).toBe('true');
      expect(await tab.textContent('#pg-status')).toContain('too long to keep');
      expect(await tab.inputValue('#pg-user')).toBe('');
      expect(await tab.textContent('#pg-content')).toContain('a question');
      await tab.fill('#pg-user', 'and then?');
      await tab.click('#pg-run');
      await done();
      expect(await tab.textContent('#pg-transcript')).toContain('a question');
    } finally {
      await tab.evaluate("sessionStorage.removeItem('moongate.test-filler')");
    }
  });
});
