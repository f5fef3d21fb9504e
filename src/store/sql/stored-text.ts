/**
 * How a text column keeps a string. SQLite keeps a NUL character, but the driver reads text back
 * only up to it ("a\0b" came back as "a"), so a NUL is written as U+FFFD; and a surrogate without
 * its partner, which UTF-8 cannot hold, is written as U+FFFD by the encoder. (JSON columns escape
 * both, and bodies are JSON.)
 */

/** A NUL as the store writes it: the only change the store itself makes to text. */
export function nulAsStored(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value;
}

/** In `u` mode a pair is one code point, so this matches only a surrogate without its partner. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const LONE_SURROGATES = /[\ud800-\udfff]/gu;

/** Text as a column gives it back: NUL and unpaired surrogates as U+FFFD. */
export function asStoredText(value: string): string {
  const withoutNul = nulAsStored(value);
  return LONE_SURROGATE.test(withoutNul) ? withoutNul.replace(LONE_SURROGATES, '\ufffd') : withoutNul;
}

/** Is the string kept as given (no NUL, no unpaired surrogate)? */
export function storedAsGiven(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}
