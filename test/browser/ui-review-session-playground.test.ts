import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { buildUi, dashboardConfig, hasChromium, launchChromium } from '../helpers/browser.js';

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
    tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${stack.url}/ui#/playground`);
    await tab.fill('#sign-in-key', MASTER);
    await tab.click('#sign-in-submit');
    await tab.waitForSelector('#pg-model option[value="kimi"]', { state: 'attached' });
    await tab.selectOption('#pg-model', 'kimi');
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
    expect(await tab.evaluate(() => sessionStorage.getItem('moongate.playground.tool-results'))).toBeNull();
  });
});
