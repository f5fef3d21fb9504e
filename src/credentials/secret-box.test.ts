import { describe, expect, it } from 'vitest';
import { SecretBox, lastFour, withoutUserinfo } from './secret-box.js';

const secret = 'correct horse battery staple';

describe('SecretBox', () => {
  it('round-trips, with a fresh IV each time', () => {
    const box = new SecretBox(secret);
    const a = box.seal('sk-abcdef123456');
    const b = box.seal('sk-abcdef123456');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('sk-abcdef');
    expect(box.open(a)).toBe('sk-abcdef123456');
  });

  it('cannot be opened with another secret', () => {
    const sealed = new SecretBox(secret).seal('sk-abcdef123456');
    expect(() => new SecretBox('another secret of some length').open(sealed)).toThrow(/MOONGATE_SECRET/);
  });

  it('detects tampering', () => {
    const box = new SecretBox(secret);
    const sealed = box.seal('sk-abcdef123456');
    // One bit flipped in the ciphertext. (Changing the last base64 characters was not always a
    // change: their low bits can be padding, and 1 run in ~250 decoded to the same bytes.)
    const [version, payload] = sealed.split(':');
    const raw = Buffer.from(payload!, 'base64url');
    raw[raw.length - 1]! ^= 0x01;
    expect(() => box.open(`${version}:${raw.toString('base64url')}`)).toThrow();
    expect(() => box.open('plain')).toThrow();
  });

  it('refuses a short secret', () => {
    expect(() => new SecretBox('short')).toThrow(/at least 16/);
  });
});

describe('lastFour', () => {
  it('shows only the end of a key', () => {
    expect(lastFour('sk-abcdef1234567890')).toBe('7890');
    expect(lastFour('abc')).toBe('****');
    // Four characters of a short key are too much of it.
    expect(lastFour('sk-abcde12')).toBe('****');
  });
});

describe('withoutUserinfo', () => {
  it('hides a user name and password written into a URL, and leaves other URLs as they are', () => {
    expect(withoutUserinfo('https://proxy-user:s3cret@proxy.example/v1')).toBe('https://***@proxy.example/v1');
    expect(withoutUserinfo('http://token@127.0.0.1:8080/v1')).toBe('http://***@127.0.0.1:8080/v1');
    expect(withoutUserinfo('https://api.moonshot.ai/v1')).toBe('https://api.moonshot.ai/v1');
    expect(withoutUserinfo('https://host/v1?next=a@b')).toBe('https://host/v1?next=a@b');
  });
});
