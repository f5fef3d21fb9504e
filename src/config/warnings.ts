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

/**
 * The other configured provider a credential's model entry begins with (`openai/gpt-5` under
 * `moonshot`), if any. A warning, not an error: some hosts' own model ids begin with such a name
 * (Together's `openai/gpt-oss-120b`).
 */
function otherProviderNamed(model: string, own: string, config: GatewayConfig): string | undefined {
  const slash = model.indexOf('/');
  if (slash <= 0) return undefined;
  const name = model.slice(0, slash);
  return name !== own && config.providers[name] !== undefined ? name : undefined;
}

/** Below this a master key is warned about (the same floor as MOONGATE_SECRET). */
export const MIN_MASTER_KEY_LENGTH = 16;

export function configWarnings(config: GatewayConfig): string[] {
  const warnings: string[] = [];
  for (const provider of Object.values(config.providers)) {
    const consequence =
      provider.type === 'moonshot' ? 'Moonshot will answer 401 Invalid Authentication' : 'the provider will likely answer 401';
    provider.credentials.forEach((credential, i) => {
      const at = `providers.${provider.name}.credentials[${i}] (${JSON.stringify(credential.name)})`;
      const found = secretFindings(credential.api_key);
      if (found.length) warnings.push(`${at}: api_key ${joinFindings(found)}; ${consequence}`);
      for (const model of credential.models ?? []) {
        const other = otherProviderNamed(model, provider.name, config);
        if (other !== undefined) {
          warnings.push(
            `${at}: models entry ${JSON.stringify(model)} names provider ${other}, but a credential serves only its own provider's models: it is matched as ${provider.name}'s model id ${JSON.stringify(model)}`,
          );
        }
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
  return warnings;
}
