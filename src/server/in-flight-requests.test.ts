import { describe, expect, it } from 'vitest';
import { InFlightRequests } from './http-server.js';

describe('InFlightRequests', () => {
  it('ends a drain when the last request finishes, or at its time limit', async () => {
    const inFlight = new InFlightRequests();
    await inFlight.drained(60_000); // nothing in flight: at once
    inFlight.started();
    let drained = false;
    const waiting = inFlight.drained(60_000).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    inFlight.finished();
    await waiting;
    inFlight.started();
    const started = performance.now();
    await inFlight.drained(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('hurry stops the chat requests and ends the drain under way, even with a request still running', async () => {
    const inFlight = new InFlightRequests();
    const stopped: string[] = [];
    inFlight.stops.add(() => stopped.push('chat'));
    inFlight.started(); // a slow upload: nothing stops it
    let drained = false;
    const waiting = inFlight.drained(60_000).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    inFlight.hurry();
    await waiting;
    expect(stopped).toEqual(['chat']);
    expect(inFlight.current).toBe(1);
  });
});
