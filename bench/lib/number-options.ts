/** The numeric command-line options of the bench scripts; `fail` reports a bad one and exits. */
export function positiveInt(text: string, flag: string, fail: (message: string) => never): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} takes a whole number above 0, not ${text}`);
  return n;
}

export function positiveNumber(text: string, flag: string, fail: (message: string) => never): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} takes a number above 0, not ${text}`);
  return n;
}
