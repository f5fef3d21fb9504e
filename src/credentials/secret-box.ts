import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts provider keys at rest with AES-256-GCM under a key derived (HKDF-SHA256) from
 * MOONGATE_SECRET. Each value has its own random 96-bit IV; the GCM tag makes tampering and a
 * wrong secret detectable. Stored form: `v1:<base64url(iv | tag | ciphertext)>`.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new Error('MOONGATE_SECRET must be at least 16 characters long.');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'moongate', 'provider-credentials v1', 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || payload === undefined) throw new Error('not a value sealed by Moongate');
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt: MOONGATE_SECRET is not the one the value was sealed with, or the value was altered');
    }
  }
}

/** Keys shorter than this show no characters at all: four of a short key give too much of it away. */
const SHORTEST_SHOWN_KEY = 16;

/** The last four characters, the only part of a key ever shown. */
export function lastFour(key: string): string {
  return key.length < SHORTEST_SHOWN_KEY ? '****' : key.slice(-4);
}

/** A URL as it may be shown: a user name and password written into it (`https://user:pass@host/`) are hidden. */
export function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
