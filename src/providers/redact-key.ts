/**
 * `text` with `key` blanked out: some upstreams echo the key they were sent ("Incorrect API key
 * provided: sk-…"), and their messages go on to the client, the log record and the console. The
 * key's last four characters stay, to tell keys apart. The key is looked for as sent (HTTP trims
 * a header's surrounding whitespace), and as it appears inside JSON text (quotes, backslashes and
 * slashes escaped), whether the text is a raw body or a message already parsed out of one.
 */
export function redactKey(text: string, key: string | undefined): string {
  const sent = key?.trim();
  // No key, or a "key" so short (a test value) that blanking it would blank ordinary words.
  if (sent === undefined || sent.length < 6) return text;
  const mask = `[key …${sent.slice(-4)}]`;
  let out = text;
  for (const form of new Set([sent, JSON.stringify(sent).slice(1, -1), JSON.stringify(sent).slice(1, -1).replaceAll('/', '\\/')])) {
    // A function, not a string: `$&` and the like in a key must not be read as patterns.
    if (out.includes(form)) out = out.replaceAll(form, () => mask);
  }
  return out;
}
