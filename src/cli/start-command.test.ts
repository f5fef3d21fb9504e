import { describe, expect, it } from 'vitest';
import { openModeWarning } from './start-command.js';

describe('openModeWarning', () => {
  it('says when an open gateway listens beyond this machine, and how to keep it local', () => {
    expect(openModeWarning('0.0.0.0')).toContain('It listens on 0.0.0.0, so other machines can reach it: start it with --host 127.0.0.1');
    for (const local of ['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']) {
      expect(openModeWarning(local)).toContain('OPEN LOCAL MODE');
      expect(openModeWarning(local)).not.toContain('other machines');
    }
  });
});
