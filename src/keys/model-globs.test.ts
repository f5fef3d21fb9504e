import { describe, expect, it } from 'vitest';
import { keyMayUse } from './model-globs.js';

describe('keyMayUse', () => {
  it('takes a bare Moonshot id and its moonshot/ form as one model, either way round (a key given `kimi-k2.6` was refused `moonshot/kimi-k2.6`)', () => {
    expect(keyMayUse(['kimi-k2.6'], 'kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-k2.6'], 'moonshot/kimi-k2.6')).toBe(true);
    expect(keyMayUse(['moonshot/kimi-k2.6'], 'kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-*'], 'moonshot/kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-k2.6'], 'moonshot/kimi-k3')).toBe(false);
    // Only the provider the bare name stands for: another provider's model of that name is another model.
    expect(keyMayUse(['kimi-k2.6'], 'openai/kimi-k2.6')).toBe(false);
    expect(keyMayUse(['gpt-4o'], 'openai/gpt-4o')).toBe(false);
  });
});
