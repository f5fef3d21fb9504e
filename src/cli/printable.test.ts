import { describe, expect, it } from 'vitest';
import { printable } from './printable.js';

describe('printable', () => {
  it('writes control characters out instead of letting a terminal obey them', () => {
    expect(printable('c\u001b[2Jx\nFAKE\r\u0007\u009b\u2028')).toBe('c\\x1b[2Jx\\nFAKE\\r\\x07\\x9b\\u2028');
    expect(printable('kimi-k2.6 · ünïcode ✓')).toBe('kimi-k2.6 · ünïcode ✓');
  });
});
