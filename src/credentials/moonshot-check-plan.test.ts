import { describe, expect, it } from 'vitest';
import { DEFAULT_MOONSHOT_REGIONS } from '../config/defaults.js';
import { moonshotCheckPlan } from './moonshot-check-plan.js';

const SIM = { global: 'http://127.0.0.1:9000/v1', cn: 'http://127.0.0.1:9000/cn/v1' };

describe('moonshotCheckPlan', () => {
  it("checks a key used on Moonshot's global platform against the China one too", () => {
    expect(moonshotCheckPlan(DEFAULT_MOONSHOT_REGIONS.global, 'global', { ...DEFAULT_MOONSHOT_REGIONS })).toEqual({ region: 'global', regions: { ...DEFAULT_MOONSHOT_REGIONS }, askOther: true });
  });

  it('takes the platform from the URL: a base URL on the China platform is the cn region, whatever the credential says', () => {
    const plan = moonshotCheckPlan('https://api.moonshot.cn/v1', 'global', { ...DEFAULT_MOONSHOT_REGIONS });
    expect(plan).toEqual({ region: 'cn', regions: { cn: 'https://api.moonshot.cn/v1', global: DEFAULT_MOONSHOT_REGIONS.global }, askOther: true });
  });

  it('checks a key used on an endpoint of its own only there, unless the config names the other region', () => {
    expect(moonshotCheckPlan('http://127.0.0.1:4100/v1', 'global', { ...DEFAULT_MOONSHOT_REGIONS })).toMatchObject({ region: 'global', askOther: false });
    expect(moonshotCheckPlan('http://127.0.0.1:4100/v1', 'cn', { ...DEFAULT_MOONSHOT_REGIONS, cn: 'http://127.0.0.1:9000/cn/v1' })).toMatchObject({ askOther: false });
    // A proxy for the cn region beside a configured-but-default global: global is Moonshot's public host, never asked.
    expect(moonshotCheckPlan('http://127.0.0.1:4100/v1', 'cn', { global: DEFAULT_MOONSHOT_REGIONS.global, cn: 'http://127.0.0.1:9000/cn/v1' })).toMatchObject({ askOther: false });
  });

  it('asks both regions of a simulator the config names', () => {
    expect(moonshotCheckPlan(SIM.global, 'global', SIM)).toEqual({ region: 'global', regions: SIM, askOther: true });
  });
});
