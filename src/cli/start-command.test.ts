import { describe, expect, it } from 'vitest';
import { openModeWarning, tryHint } from './start-command.js';

describe('openModeWarning', () => {
  it('says when an open gateway listens beyond this machine, and how to keep it local', () => {
    expect(openModeWarning('0.0.0.0')).toContain('It listens on 0.0.0.0, so other machines can reach it: start it with --host 127.0.0.1');
    for (const local of ['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']) {
      expect(openModeWarning(local)).toContain('OPEN LOCAL MODE');
      expect(openModeWarning(local)).not.toContain('other machines');
    }
  });
});

describe('tryHint', () => {
  it('adds the Authorization header, by variable, when a master key is set', () => {
    expect(tryHint('http://127.0.0.1:4000', false)).toBe('Try: curl http://127.0.0.1:4000/v1/models');
    expect(tryHint('http://127.0.0.1:4000', true)).toBe(
      'Try: curl -H "Authorization: Bearer <master key>" http://127.0.0.1:4000/v1/models (the master key, or a gateway key mg-…)',
    );
  });
});
