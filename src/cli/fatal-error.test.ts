import { afterEach, describe, expect, it, vi } from 'vitest';
import { fatalErrorHandler } from './fatal-error.js';

describe('fatalErrorHandler', () => {
  const exitCodeBefore = process.exitCode;
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    process.exitCode = exitCodeBefore;
  });

  it('says what happened, stops once even when more errors follow, and exits 1 once stopped', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const said: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: string) => void said.push(text));
    let stopped!: () => void;
    const stop = vi.fn(() => new Promise<void>((resolve) => (stopped = resolve)));
    const handle = fatalErrorHandler(stop);
    handle(new Error('boom'), 'unhandledRejection');
    handle(new Error('boom again'), 'uncaughtException');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(said[0]).toMatch(/^moongate: internal error \(a promise was rejected and nothing handled it\): Error: boom\n\s+at /);
    expect(said.join('\n')).toContain('another internal error while stopping: Error: boom again');
    expect(exit).not.toHaveBeenCalled();
    // A shutdown signal's close, if that is what stopping waits for, exits with this code too.
    expect(process.exitCode).toBe(1);
    stopped();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(said.at(-1)).toContain('logs flushed');
  });

  it('reports only the first few of many later errors', () => {
    vi.useFakeTimers();
    vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const said: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: string) => void said.push(text));
    const handle = fatalErrorHandler(() => new Promise<void>(() => undefined), { reportAtMost: 3 });
    for (let i = 0; i < 50; i++) handle(new Error(`e${i}`), 'uncaughtException');
    expect(said.filter((line) => line.includes('another internal error'))).toHaveLength(2);
  });

  it('exits 1 when stopping fails, or takes longer than it may', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fatalErrorHandler(() => Promise.reject(new Error('store gone')))('x', 'uncaughtException');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));

    exit.mockClear();
    vi.useFakeTimers();
    fatalErrorHandler(() => new Promise<void>(() => undefined), { giveUpMs: 500 })(new Error('stuck'), 'uncaughtException');
    vi.advanceTimersByTime(499);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(1);
  });
});
