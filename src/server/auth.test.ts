import { describe, expect, it } from 'vitest';
import type { VirtualKey } from '../keys/virtual-key.js';
import { isOperator, requireAdmin } from './auth.js';
import type { Caller } from './auth.js';

const key = { id: 'k1' } as VirtualKey;

describe('isOperator', () => {
  it('is the master key, or in open mode a caller on this machine; never a gateway key', () => {
    const cases: [Caller, boolean][] = [
      [{ kind: 'master' }, true],
      [{ kind: 'open', token: undefined, local: true }, true],
      [{ kind: 'open', token: 'sk-provider-key', local: false }, false],
      [{ kind: 'key', key }, false],
    ];
    for (const [caller, operator] of cases) {
      expect(isOperator(caller)).toBe(operator);
      if (operator) expect(() => requireAdmin(caller)).not.toThrow();
      else expect(() => requireAdmin(caller)).toThrow(/needs the master key/);
    }
  });
});
