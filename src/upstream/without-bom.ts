/**
 * An upstream body's text without a byte-order mark opening it. JSON must not carry one, but a
 * parser may ignore one (RFC 8259, 8.1), and some servers and proxies send it: JSON.parse refuses
 * it, and a body forwarded as it came would make the client's parser refuse it too.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
