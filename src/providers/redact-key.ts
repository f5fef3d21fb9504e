/**
 * `text` with `key` blanked out: some upstreams echo the key they were sent ("Incorrect API key
 * provided: sk-…"), and their messages go on to the client, the log record and the console. The
 * key's last four characters stay, to tell keys apart.
 */
export function redactKey(text: string, key: string | undefined): string {
  // No key, or a very short "key" (a test value) that would blank out ordinary words.
  if (key === undefined || key.length < 8 || !text.includes(key)) return text;
  return text.replaceAll(key, `[key …${key.slice(-4)}]`);
}
