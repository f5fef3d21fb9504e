import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { ARTIFACTS, buildUi, dashboardConfig, hasChromium, launchChromium, openPlayground } from '../helpers/browser.js';

/** The playground when answers do not end well: cut, failed, stopped. */
const MASTER = 'master-key-for-ui-review-playground';

let stack: LogsStack;
let browser: Browser;
let tab: Page;

/** Sends one message as a conversation of its own (answers that went well continue a conversation). */
async function send(message: string): Promise<void> {
  await tab.click('#pg-new');
  await tab.fill('#pg-user', message);
  await tab.click('#pg-run');
}

describe.skipIf(!hasChromium)('playground (review)', () => {
  beforeAll(async () => {
    buildUi();
    stack = await startLogsStack({
      configYaml: dashboardConfig(
        MASTER,
        `models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
      ),
      // The gateway's own pace (the helper's 20 ms hides a lookup made before the record is written).
      writer: { flushIntervalMs: 250 },
    });
    browser = await launchChromium();
    tab = await openPlayground(browser, stack.url, MASTER, 'kimi');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('does not call an answer whose stream ended without [DONE] done', async () => {
    await tab.route('**/v1/chat/completions', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: 'data: {"choices":[{"delta":{"content":"Half an ans"}}]}\n\n' }),
    );
    try {
      await send('anything');
      await expect.poll(() => tab.isDisabled('#pg-run')).toBe(false);
      expect(await tab.textContent('#pg-content')).toBe('Half an ans');
      const status = (await tab.textContent('#pg-status')) ?? '';
      expect(status).not.toMatch(/^Done/);
      expect(status).toContain('ended before the answer was complete');
      expect(await tab.getAttribute('#pg-status', 'data-done')).toBeNull();
    } finally {
      await tab.unroute('**/v1/chat/completions');
    }
  });

  it('links a failed request to its log record', async () => {
    await send('fail please [[sim:error=500]]');
    await tab.waitForSelector('#pg-status .error');
    expect(await tab.textContent('#pg-status')).toContain('Internal Server Error');
    // At once: the record is written a moment after the answer (the writer's 250 ms batches).
    await tab.click('#pg-status a[href^="#/logs/"]');
    await tab.waitForSelector('#log-detail');
    expect(await tab.textContent('#log-detail')).toContain('500');
    await tab.screenshot({ path: join(ARTIFACTS, 'ui-review-playground-failed-record.png'), fullPage: true });
    await tab.goBack();
    await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
  });

  it('links a stopped stream to its log record', async () => {
    await send('long [[sim:tokens=300]] [[sim:token_delay=20]]');
    await expect.poll(async () => ((await tab.textContent('#pg-content')) ?? '').length).toBeGreaterThan(20);
    await tab.click('#pg-stop');
    await expect.poll(() => tab.textContent('#pg-status')).toContain('Stopped');
    const href = (await tab.getAttribute('#pg-status a[href^="#/logs/"]', 'href'))!;
    await stack.flush();
    await expect.poll(async () => (await stack.api(`/v1/logs/${href.slice('#/logs/'.length)}`, { token: MASTER })).json?.status, { timeout: 5_000 }).toBe(499);
  });

  it('keeps what was typed, the conversation and the last answer through a look at its log record and back, and a reload', async () => {
    await tab.fill('#pg-system', 'Be brief.');
    await tab.fill('#pg-temperature', '0.3');
    await tab.selectOption('#pg-thinking', 'disabled');
    await send('remember me');
    await tab.waitForSelector('#pg-status[data-done="true"]');
    await tab.click('#pg-stats a[href^="#/logs/"]');
    await tab.waitForSelector('#log-detail');
    await tab.goBack();
    await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
    // The message went into the conversation; its box is empty for the next one.
    expect(await tab.inputValue('#pg-user')).toBe('');
    expect(await tab.textContent('#pg-transcript')).toContain('remember me');
    expect(await tab.inputValue('#pg-system')).toBe('Be brief.');
    expect(await tab.inputValue('#pg-temperature')).toBe('0.3');
    expect(await tab.inputValue('#pg-thinking')).toBe('disabled');
    expect(await tab.textContent('#pg-content')).toContain('remember me');
    const answer = (await tab.textContent('#pg-content'))!;
    await tab.fill('#pg-user', 'typed, not sent');
    await tab.reload();
    await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
    expect(await tab.inputValue('#pg-user')).toBe('typed, not sent');
    expect(await tab.inputValue('#pg-model')).toBe('kimi');
    // After a reload the answer is not shown below any more: the conversation above holds it.
    const transcript = (await tab.textContent('#pg-transcript'))!;
    expect(transcript).toContain('remember me');
    expect(transcript).toContain(answer);
  });

  it('continues a conversation: tool results, then a follow-up, each sent with the turns before them', async () => {
    await tab.selectOption('#pg-thinking', '');
    await tab.fill('#pg-system', '');
    await tab.fill('#pg-tools', '[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]');
    try {
      await send('What is the weather in Paris?');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      expect(await tab.textContent('#pg-tool-results')).toContain('Result of get_weather (get_weather_0)');

      // Only the tool's result: the message is optional after a tool call, required otherwise.
      await tab.fill('#pg-tool-result-0', 'sunny, 21 °C');
      await tab.click('#pg-run');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      expect(await tab.textContent('#pg-content')).toContain('The get_weather tool returned: sunny, 21 °C');
      // Kimi thinks by default, and the playground sends its tool-call turn back without the
      // reasoning: the gateway put it back, as it does for any client that drops it.
      expect(await tab.textContent('#pg-adjusted')).toContain('reasoning_content=restored(1)');
      expect(await tab.isVisible('#pg-tool-result-0')).toBe(false);
      const transcript = (await tab.textContent('#pg-transcript'))!;
      expect(transcript).toContain('What is the weather in Paris?');
      expect(transcript).toContain('calling get_weather');
      expect(transcript).toContain('sunny, 21 °C');

      await tab.fill('#pg-tools', '');
      await tab.fill('#pg-user', 'Thanks, and tomorrow?');
      await tab.click('#pg-run');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      const href = (await tab.getAttribute('#pg-stats a[href^="#/logs/"]', 'href'))!;
      await stack.flush();
      const logged = async () => (await stack.api(`/v1/logs/${href.slice('#/logs/'.length)}`, { token: MASTER })).json as { request?: { messages: { role: string; content: unknown }[] } } | undefined;
      await expect.poll(async () => (await logged())?.request?.messages.map((m) => m.role), { timeout: 5_000 }).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
      expect((await logged())!.request!.messages[4]!.content).toBe('Thanks, and tomorrow?');

      // A new conversation starts from nothing.
      await tab.click('#pg-new');
      expect(await tab.isVisible('#pg-transcript')).toBe(false);
      expect(await tab.textContent('#pg-content')).toBe('');
    } finally {
      await tab.fill('#pg-tools', '');
    }
  });

  it('sends with Ctrl+Enter from the message box', async () => {
    await tab.fill('#pg-user', 'sent from the keyboard');
    await tab.focus('#pg-user');
    await tab.keyboard.press('Control+Enter');
    await tab.waitForSelector('#pg-status[data-done="true"]');
    expect(await tab.textContent('#pg-content')).toContain('sent from the keyboard');
  });

  it('shows tool calls streamed without an index (some OpenAI-compatible providers leave it out)', async () => {
    const events = [
      { choices: [{ delta: { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] } }] },
      { choices: [{ delta: { tool_calls: [{ function: { arguments: '"Paris"}' } }] } }] },
      { choices: [{ delta: { tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] },
    ];
    const body = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
    await tab.route('**/v1/chat/completions', (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }));
    try {
      await send('weather and time');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      const shown = JSON.parse((await tab.textContent('#pg-tool-calls')) ?? '[]') as { id?: string; name: string; arguments: string }[];
      expect(shown).toEqual([
        { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_2', name: 'get_time', arguments: '{}' },
      ]);
    } finally {
      await tab.unroute('**/v1/chat/completions');
    }
  });

  it('asks for one JSON answer, not a stream, when Stream is off', async () => {
    await tab.selectOption('#pg-stream', 'off');
    // An earlier test turned thinking off: the model's default thinks.
    await tab.selectOption('#pg-thinking', '');
    try {
      await send('no stream please');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      expect(await tab.textContent('#pg-content')).toContain('no stream please');
      expect((await tab.textContent('#pg-reasoning'))!.length).toBeGreaterThan(0);
      expect(await tab.textContent('#pg-tokens')).toMatch(/\d+ → \d+/);
      const href = (await tab.getAttribute('#pg-stats a[href^="#/logs/"]', 'href'))!;
      await stack.flush();
      await expect.poll(async () => (await stack.api(`/v1/logs/${href.slice('#/logs/'.length)}`, { token: MASTER })).json?.stream, { timeout: 5_000 }).toBe(false);
      await expect.poll(() => tab.textContent('#pg-cost')).toMatch(/^\$/);
    } finally {
      await tab.selectOption('#pg-stream', 'on');
    }
  });

  it('leaves no error in the console for an answer that went well (the cost lookup asked before the record was written: 404)', async () => {
    const errors: string[] = [];
    const onConsole = (m: ConsoleMessage): void => {
      if (m.type() === 'error') errors.push(m.text());
    };
    tab.on('console', onConsole);
    try {
      await send('a quiet console');
      await tab.waitForSelector('#pg-status[data-done="true"]');
      await expect.poll(() => tab.textContent('#pg-cost')).toMatch(/^\$/);
      expect(errors).toEqual([]);
    } finally {
      tab.off('console', onConsole);
    }
  });
});
