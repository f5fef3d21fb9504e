import { loadConfig } from '../config/index.js';
import { DEFAULT_MOONSHOT_REGIONS } from '../config/defaults.js';
import type { MoonshotRegion } from '../config/types.js';
import { checkMoonshotKey } from '../credentials/check-moonshot-key.js';
import type { CheckResult } from '../credentials/check-moonshot-key.js';

export interface CheckOptions {
  key?: string;
  region?: MoonshotRegion;
  config?: string;
  json?: boolean;
}

/**
 * `moongate check moonshot`: diagnoses the given key, or every configured Moonshot credential
 * (config file or MOONSHOT_API_KEY). Exits 1 if any key does not work.
 */
/**
 * The regions to probe beside a base URL of one's own. Moonshot's two platforms are asked about
 * each other's keys; an endpoint that is neither (the simulator, a proxy) has no "other
 * platform", and the key must not be sent to Moonshot's public hosts behind the user's back, so
 * both regions stay on that endpoint unless the config names its own regions.
 */
function otherRegionFor(baseUrl: string, regions: Record<MoonshotRegion, string>): Record<MoonshotRegion, string> {
  const moonshotHost = Object.values(DEFAULT_MOONSHOT_REGIONS).some((url) => sameOrigin(url, baseUrl));
  const configured = (Object.keys(regions) as MoonshotRegion[]).some((r) => regions[r] !== DEFAULT_MOONSHOT_REGIONS[r]);
  return moonshotHost || configured ? regions : { global: baseUrl, cn: baseUrl };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export async function runCheck(provider: string, options: CheckOptions): Promise<void> {
  if (provider !== 'moonshot') {
    console.error(`moongate check: only "moonshot" can be checked so far (got "${provider}").`);
    process.exit(2);
  }
  const config = loadConfig({ file: options.config });
  const moonshot = config.providers.moonshot!;
  type Target = { name: string; key: string; region: MoonshotRegion; baseUrl?: string };
  const targets: Target[] = options.key
    ? // A provider-wide base URL (MOONSHOT_API_BASE, or base_url in the config) is where keys are checked, unless a region is asked for.
      [{ name: '--key', key: options.key, region: options.region ?? 'global', ...(options.region === undefined && moonshot.base_url ? { baseUrl: moonshot.base_url } : {}) }]
    : moonshot.credentials.map((c) => ({ name: c.name, key: c.api_key, region: options.region ?? c.region ?? 'global', baseUrl: c.base_url }));
  if (targets.length === 0) {
    console.error('moongate check: no Moonshot key to check. Pass --key, set MOONSHOT_API_KEY, or configure providers.moonshot.credentials.');
    process.exit(2);
  }

  const results: (CheckResult & { credential: string })[] = [];
  for (const t of targets) {
    // A credential with its own base_url is checked there, as the other region's stand-in otherwise.
    const regions = t.baseUrl ? { ...otherRegionFor(t.baseUrl, moonshot.regions), [t.region]: t.baseUrl } : moonshot.regions;
    results.push({ credential: t.name, ...(await checkMoonshotKey({ key: t.key, region: t.region, regions })) });
  }
  if (options.json) console.log(JSON.stringify(results, null, 2));
  else for (const r of results) console.log(`${r.ok ? 'OK ' : 'FAIL'} ${r.credential}: ${r.verdict} — ${r.message}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
