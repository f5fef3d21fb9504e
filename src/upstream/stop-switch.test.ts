import { describe, expect, it } from 'vitest';
import { StopSwitch } from './stop-switch.js';

describe('StopSwitch', () => {
  it('calls each listener once, in order, with the reason set', () => {
    const stop = new StopSwitch();
    const seen: string[] = [];
    stop.addEventListener('abort', () => seen.push(`a:${String(stop.reason)}`));
    stop.addEventListener('abort', () => seen.push('b'), { once: true });
    stop.abort('why');
    stop.abort('again');
    expect(seen).toEqual(['a:why', 'b']);
    expect(stop.aborted).toBe(true);
    expect(stop.reason).toBe('why');
  });

  it('gives an AbortError when aborted without a reason', () => {
    const stop = new StopSwitch();
    stop.abort();
    expect(stop.reason).toBeInstanceOf(Error);
    expect((stop.reason as Error).name).toBe('AbortError');
  });

  it('does not call removed listeners, nor ones added after the abort', () => {
    const stop = new StopSwitch();
    let calls = 0;
    const listener = (): void => void calls++;
    stop.addEventListener('abort', listener);
    stop.removeEventListener('abort', listener);
    stop.abort();
    stop.addEventListener('abort', listener);
    expect(calls).toBe(0);
  });

  it('runs the other listeners when one throws, and lets the error surface', async () => {
    const stop = new StopSwitch();
    let ran = false;
    const surfaced = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    stop.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    stop.addEventListener('abort', () => void (ran = true));
    stop.abort();
    expect(ran).toBe(true);
    await expect(surfaced).resolves.toMatchObject({ message: 'listener bug' });
  });
});
