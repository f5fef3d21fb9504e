import { DEFAULT_MOONSHOT_REGIONS } from '../config/defaults.js';
import { moonshotPlatformOf } from '../config/moonshot-platform.js';
import type { MoonshotRegion } from '../config/types.js';

/** What checkMoonshotKey is asked: the key's platform, and whether to ask the other one too. */
export interface MoonshotCheckPlan {
  region: MoonshotRegion;
  regions: Record<MoonshotRegion, string>;
  /** Ask the other platform (is it a key of the other platform?) only when there is one. */
  askOther: boolean;
}

/**
 * Where a Moonshot key is checked: at `usedUrl`, where requests with it go, and at the other
 * platform, to tell a key of the other platform from a dead one. A key used on one of Moonshot's
 * own platforms is checked against the other (its configured URL, or Moonshot's public one); a
 * key used elsewhere (the simulator, a proxy) only against a second endpoint the config names
 * itself: the key is never sent to a host the user did not configure.
 */
export function moonshotCheckPlan(usedUrl: string, region: MoonshotRegion, regions: Record<MoonshotRegion, string>): MoonshotCheckPlan {
  const platform = moonshotPlatformOf(usedUrl);
  if (platform !== undefined) {
    // The URL says which platform the key is used on, whatever region the credential claims.
    const other = otherRegion(platform);
    return { region: platform, regions: { [platform]: usedUrl, [other]: regions[other] } as Record<MoonshotRegion, string>, askOther: true };
  }
  const other = otherRegion(region);
  // The simulator serves both regions on one port: URLs, not origins, tell them apart.
  const configured = regions[other] !== DEFAULT_MOONSHOT_REGIONS[other] && withoutSlash(regions[other]) !== withoutSlash(usedUrl);
  return { region, regions: { ...regions, [region]: usedUrl }, askOther: configured };
}

function otherRegion(region: MoonshotRegion): MoonshotRegion {
  return region === 'global' ? 'cn' : 'global';
}

function withoutSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
