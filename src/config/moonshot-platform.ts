import { DEFAULT_MOONSHOT_REGIONS } from './defaults.js';
import type { MoonshotRegion } from './types.js';

/**
 * Which of Moonshot's own platforms a URL is on (by host name), or undefined for any other host.
 * By host rather than origin: `http://api.moonshot.cn/v1` is still the China platform, and taking
 * it for some other endpoint made it the global region's URL.
 */
export function moonshotPlatformOf(url: string): MoonshotRegion | undefined {
  return (Object.keys(DEFAULT_MOONSHOT_REGIONS) as MoonshotRegion[]).find((r) => sameHost(DEFAULT_MOONSHOT_REGIONS[r], url));
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).hostname === new URL(b).hostname;
  } catch {
    return false;
  }
}
