import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseInterval, runLogs } from './logs-command.js';

describe('moongate logs options', () => {
  it('wants an --interval of at least 100 ms', () => {
    for (const value of ['0', '99', '-5', '', 'soon']) expect(() => parseInterval(value), value).toThrow(InvalidArgumentError);
    expect(() => parseInterval('0')).toThrow('--interval must be a number of milliseconds, at least 100.');
    expect(parseInterval('100')).toBe(100);
  });

  it('refuses --store together with --url', async () => {
    await expect(runLogs({ store: 'sqlite:./x.db', url: 'http://127.0.0.1:4000', lines: 20, interval: 1000 })).rejects.toThrow(
      '--store and --url were both given; use one',
    );
  });

  it('says --store takes sqlite:PATH, without mentioning stores it cannot read', async () => {
    const refused = runLogs({ store: '/var/lib/moongate.db', lines: 20, interval: 1000 });
    await expect(refused).rejects.toThrow('--store must be "sqlite:PATH", e.g. sqlite:./.moongate/moongate.db (got "/var/lib/moongate.db")');
    await expect(runLogs({ store: '/var/lib/moongate.db', lines: 20, interval: 1000 })).rejects.not.toThrow(/postgres/i);
  });
});
