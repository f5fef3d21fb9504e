import { afterEach, describe, expect, it, vi } from 'vitest';
import { InternalErrorReport, describeError } from './internal-error-report.js';

afterEach(() => vi.useRealTimers());

describe('InternalErrorReport', () => {
  it('prints each error with its stack, up to its limit a minute, and the count of the rest when the minute ends', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const report = new InternalErrorReport({ write: (l) => lines.push(l), perMinute: 2, now: () => Date.now() });
    for (let i = 1; i <= 5; i++) report.report(new TypeError(`bug ${i}`));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^moongate: internal error: TypeError: bug 1\n {4}at /);
    expect(lines[1]).toMatch(/^moongate: internal error: TypeError: bug 2\n/);
    vi.advanceTimersByTime(59_999);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(lines[2]).toBe('moongate: 3 more internal errors in the last minute, not printed (at most 2 a minute are)');
    // A new minute: printed again.
    report.report('a thrown string', '0193a1b2-request');
    expect(lines[3]).toBe('moongate: internal error (request 0193a1b2-request): a thrown string');
    expect(lines).toHaveLength(4);
  });

  it('prints the count at once when flushed (at shutdown), and only once', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const report = new InternalErrorReport({ write: (l) => lines.push(l), perMinute: 1, now: () => Date.now() });
    report.report(new Error('first'));
    report.report(new Error('second'));
    report.flush();
    expect(lines[1]).toBe('moongate: 1 more internal error in the last minute, not printed (at most 1 a minute are)');
    vi.advanceTimersByTime(120_000);
    report.flush();
    expect(lines).toHaveLength(2);
  });
});

describe('describeError', () => {
  it('is the stack of an Error, its message when it has none, and the text of anything else', () => {
    const err = new Error('with a stack');
    expect(describeError(err)).toBe(err.stack);
    const bare = new Error('no stack');
    bare.stack = undefined;
    expect(describeError(bare)).toBe('no stack');
    expect(describeError(42)).toBe('42');
  });
});

describe('describeError, given what a bug might throw', () => {
  it('never throws: a stack getter that throws, a stack that is not text, a value whose String() throws', () => {
    const getterThrows = new Error('x');
    Object.defineProperty(getterThrows, 'stack', {
      get() {
        throw new Error('no stack for you');
      },
    });
    expect(describeError(getterThrows)).toBe('an error that cannot be printed');
    const numeric = new Error('numeric stack');
    (numeric as { stack: unknown }).stack = 42;
    expect(describeError(numeric)).toBe('numeric stack');
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeError(hostile)).toBe('an error that cannot be printed');
  });
});
