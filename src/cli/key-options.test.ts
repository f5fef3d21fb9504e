import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createKeyBody, parseExpires, parseModels, positiveNumber, wholeNumber } from './key-options.js';

describe('keys create options', () => {
  it('refuses an empty --models rather than create a key allowed every model', () => {
    for (const value of ['', ',', ' , ']) {
      expect(() => parseModels(value)).toThrow(InvalidArgumentError);
      expect(() => parseModels(value)).toThrow('--models must name at least one model glob');
    }
    expect(parseModels(' kimi, moonshot/* ,')).toEqual(['kimi', 'moonshot/*']);
  });

  it('wants whole numbers for --rpm and --tpm, and says so', () => {
    expect(() => wholeNumber('--rpm')('1.5')).toThrow('--rpm must be a whole number ≥ 1 (got "1.5").');
    expect(() => wholeNumber('--tpm')('0')).toThrow('--tpm must be a whole number ≥ 1');
    expect(() => wholeNumber('--rpm')('')).toThrow(InvalidArgumentError);
    expect(wholeNumber('--rpm')('60')).toBe(60);
    expect(() => positiveNumber('--budget')('-1')).toThrow('--budget must be a positive number.');
    expect(positiveNumber('--budget')('2.5')).toBe(2.5);
  });

  it('refuses an --expires that has passed or is not ISO 8601', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(() => parseExpires('2026-01-01T00:00:00Z', now)).toThrow('--expires must be in the future (2026-01-01T00:00:00Z has passed).');
    expect(() => parseExpires('next week', now)).toThrow('--expires must be an ISO 8601 time');
    expect(parseExpires('2026-12-31T00:00:00Z', now)).toBe('2026-12-31T00:00:00Z');
  });

  it('refuses --period without --budget', () => {
    expect(() => createKeyBody({ name: 'a', period: 'day' })).toThrow('--period needs --budget');
    expect(createKeyBody({ name: 'a', budget: 5, period: 'day', models: ['kimi'] })).toEqual({ name: 'a', budget_usd: 5, budget_period: 'day', models: ['kimi'] });
  });
});
