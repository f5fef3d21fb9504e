import { DEFAULT_MOONSHOT_REGIONS } from './defaults.js';
import type { MoonshotRegion } from './types.js';

/** Which of Moonshot's own platforms a URL is on (by origin), or undefined for any other host. */
export function moonshotPlatformOf(url: string): MoonshotRegion | undefined {
  return (Object.keys(DEFAULT_MOONSHOT_REGIONS) as MoonshotRegion[]).find((r) => sameOrigin(DEFAULT_MOONSHOT_REGIONS[r], url));
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
