import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): Playwright's own browser download does not work here. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (apt-get install chromium).`);

const ROOT = join(import.meta.dirname, '../..');
/** Where browser tests save their screenshots (git-ignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Rebuilds the dashboard bundle so a test sees the current src/ui (esbuild: a fraction of a second), and makes ARTIFACTS. */
export function buildUi(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')]);
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** Headless Chromium with nothing running in the background that could reach beyond loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * The dashboard tests' gateway: the master key `master`, one attempt, no cooling down, the
 * simulator's Moonshot regions (`${SIM}`, for startLogsStack). `extra` is more YAML (`models:` …).
 */
export function dashboardConfig(master: string, extra = ''): string {
  return `
master_key: ${master}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: sk-test-global-0001, region: global }
${extra}`;
}

/** A new tab (1280 × 900, 10 s timeouts) on the dashboard's playground at `url`, signed in with `master`, `model` picked. */
export async function openPlayground(browser: Browser, url: string, master: string, model: string): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  tab.setDefaultTimeout(10_000);
  await tab.goto(`${url}/ui#/playground`);
  await tab.fill('#sign-in-key', master);
  await tab.click('#sign-in-submit');
  await tab.waitForSelector(`#pg-model option[value="${model}"]`, { state: 'attached' });
  await tab.selectOption('#pg-model', model);
  return tab;
}
