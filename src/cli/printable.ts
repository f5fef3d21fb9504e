/**
 * Text from callers (a customer id, a key's name, a model name, an error message) as a terminal
 * should show it: control characters written out (`\x1b`, `\n`) rather than obeyed, so that a
 * value cannot clear the operator's screen, colour it, or forge a line of output.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}
