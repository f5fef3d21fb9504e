import { afterEach, describe, expect, it, vi } from 'vitest';
import { onShutdownSignal } from './shutdown.js';

function signal(name: NodeJS.Signals): void {
  process.emit(name, name);
}

describe('onShutdownSignal', () => {
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  afterEach(() => {
    for (const name of ['SIGTERM', 'SIGINT'] as const) {
      for (const l of process.listeners(name)) if (!before[name].includes(l)) process.off(name, l);
    }
    vi.restoreAllMocks();
  });

  it('ignores the same signal delivered twice at once (Ctrl-C under npm start), and closes once', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    let finish!: () => void;
    const close = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const hurry = vi.fn();
    onShutdownSignal(close, { hurry });
    signal('SIGINT');
    signal('SIGINT');
    expect(close).toHaveBeenCalledTimes(1);
    expect(hurry).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    finish();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
  });

  it('hurries on a later second signal without exiting, and exits at once on a third', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const close = vi.fn(() => new Promise<void>(() => undefined));
    const hurry = vi.fn();
    onShutdownSignal(close, { hurry, repeatWithinMs: 0 });
    signal('SIGTERM');
    signal('SIGTERM');
    expect(hurry).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
    signal('SIGTERM');
    expect(exit).toHaveBeenCalledWith(1);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('without a way to hurry, exits on a later second signal', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    onShutdownSignal(() => new Promise<void>(() => undefined), { repeatWithinMs: 0 });
    signal('SIGINT');
    signal('SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits with the code an internal error set while it was closing, not 0', async () => {
    const exitCodeBefore = process.exitCode;
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    let finish!: () => void;
    onShutdownSignal(() => new Promise<void>((resolve) => (finish = resolve)));
    signal('SIGTERM');
    process.exitCode = 1;
    finish();
    try {
      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    } finally {
      process.exitCode = exitCodeBefore;
    }
  });
});
