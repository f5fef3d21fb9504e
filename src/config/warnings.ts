/**
 * Non-fatal findings about a loaded config. Whitespace around or inside an API key is the most
 * common cause of Moonshot's "401 Invalid Authentication"; keys are used exactly as given (never
 * trimmed), so the operator is told instead. No message ever contains a key.
 */
import type { GatewayConfig } from './types.js';

/**
 * The whitespace (spaces, tabs, line breaks) in a secret, as phrases ("has trailing whitespace");
 * empty when there is none. A `Bearer ` prefix is not counted here: secretFindings names it.
 */
export function whitespaceFindings(secret: string): string[] {
  const found: string[] = [];
  if (/^\s/.test(secret)) found.push('has leading whitespace');
  if (/\s$/.test(secret)) found.push('has trailing whitespace');
  if (/\S\s+\S/.test(secret.trim()) && !/^bearer\s/i.test(secret.trim())) found.push('has whitespace inside');
  return found;
}

/** What looks wrong with a secret, as phrases ("has trailing whitespace"); empty when fine. */
export function secretFindings(secret: string): string[] {
  const found = whitespaceFindings(secret);
  const t = secret.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    found.push('is wrapped in quotes');
  }
  if (/^bearer\s/i.test(t)) found.push('starts with "Bearer " (give the key alone)');
  found.push(...headerUnsafeFindings(secret));
  return found;
}

/**
 * Characters that cannot go in an HTTP header value, as phrases; empty when there are none.
 * Whitespace (tabs, line breaks) is whitespaceFindings' to name; this names the rest: anything
 * outside ASCII (an invisible character or a `…` from copy and paste) and control characters.
 */
export function headerUnsafeFindings(secret: string): string[] {
  const found: string[] = [];
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(secret)) found.push('contains non-ASCII characters (often an invisible character from copy and paste)');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(secret)) found.push('contains control characters');
  return found;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinFindings(found: string[]): string {
  if (found.length <= 1) return found.join('');
  return `${found.slice(0, -1).join(', ')} and ${found[found.length - 1]}`;
}

/** Below this a master key is warned about (the same floor as MOONGATE_SECRET). */
export const MIN_MASTER_KEY_LENGTH = 16;

export function configWarnings(config: GatewayConfig): string[] {
  const warnings: string[] = [];
  for (const provider of Object.values(config.providers)) {
    const consequence =
      provider.type === 'moonshot' ? 'Moonshot will answer 401 Invalid Authentication' : 'the provider will likely answer 401';
    provider.credentials.forEach((credential, i) => {
      const found = secretFindings(credential.api_key);
      if (found.length) {
        warnings.push(
          `providers.${provider.name}.credentials[${i}] (${JSON.stringify(credential.name)}): api_key ${joinFindings(found)}; ${consequence}`,
        );
      }
    });
  }
  if (config.master_key !== undefined) {
    const found = secretFindings(config.master_key);
    if (found.length) {
      warnings.push(`master_key ${joinFindings(found)}; clients must send it exactly like that, or they will be refused`);
    }
    // It opens every route, admin included, and can be tried from anywhere the gateway is reachable.
    if (config.master_key.length < MIN_MASTER_KEY_LENGTH) {
      warnings.push(
        `master_key is shorter than ${MIN_MASTER_KEY_LENGTH} characters, so it is easy to guess; use a long random value (e.g. openssl rand -hex 32)`,
      );
    }
  }
  if (config.redis !== undefined) {
    // Accepted so that a config written for a later version loads; said out loud so that nobody
    // runs two replicas believing they share limits.
    warnings.push(
      'redis is set but not used yet: rate limits, budgets and provider health are kept in each Moongate process, so replicas do not share them',
    );
  }
  return warnings;
}
