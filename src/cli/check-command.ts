import { ConfigError, loadConfig } from '../config/index.js';
import type { GatewayConfig } from '../config/types.js';
import { resolveBaseUrl } from '../config/base-url.js';
import { moonshotCheckPlan } from '../credentials/moonshot-check-plan.js';
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
export async function runCheck(provider: string, options: CheckOptions): Promise<void> {
  if (provider !== 'moonshot') {
    console.error(`moongate check: only "moonshot" can be checked so far (got "${provider}").`);
    process.exit(2);
  }
  const config = loadCheckedConfig(options.config);
  const moonshot = config.providers.moonshot!;
  // Each key is checked where requests with it go (resolveBaseUrl: its own base_url, its region's
  // URL, the provider's base_url such as MOONSHOT_API_BASE), and at the other platform where there is one.
  type Target = { name: string; key: string; region: MoonshotRegion; usedUrl: string };
  const targets: Target[] = options.key
    ? [{ name: '--key', key: options.key, region: options.region ?? 'global', usedUrl: resolveBaseUrl(moonshot, options.region ? { region: options.region } : {})! }]
    : moonshot.credentials.map((c) => {
        const asked = options.region ? { ...c, region: options.region, base_url: undefined } : c;
        return { name: c.name, key: c.api_key, region: asked.region ?? 'global', usedUrl: resolveBaseUrl(moonshot, asked)! };
      });
  if (targets.length === 0) {
    console.error('moongate check: no Moonshot key to check. Pass --key, set MOONSHOT_API_KEY, or configure providers.moonshot.credentials.');
    process.exit(2);
  }

  const results: (CheckResult & { credential: string })[] = [];
  for (const t of targets) {
    results.push({ credential: t.name, ...(await checkMoonshotKey({ key: t.key, ...moonshotCheckPlan(t.usedUrl, t.region, moonshot.regions) })) });
  }
  if (options.json) console.log(JSON.stringify(results, null, 2));
  else for (const r of results) console.log(`${r.ok ? 'OK ' : 'FAIL'} ${r.credential}: ${r.verdict} — ${r.message}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

/**
 * The config whose credentials are checked. A config that is not valid is said as `moongate start`
 * says it (a header, then one problem per line; it was "moongate: " glued to the first problem),
 * and exits 2 like the other setup problems: 1 means a key does not work.
 */
function loadCheckedConfig(file: string | undefined): GatewayConfig {
  try {
    return loadConfig({ file });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`moongate check: the configuration is not valid, nothing was checked:\n${err.message}`);
    process.exit(2);
  }
}
