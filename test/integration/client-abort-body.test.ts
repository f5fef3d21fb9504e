import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import type { RequestOutcome } from '../../src/server/request-outcome.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startLogsStack } from '../helpers/logs-stack.js';

/**
 * A client that goes away while still sending its body is no bug of the gateway's: the request is
 * logged as the client's leaving (499), and nothing is printed as an internal error (the body's
 * read ended with the request's own AbortError, or with Node's "aborted", both reported as one).
 */
let sim: Simulator;
let gateway: Gateway;
let port: number;
const outcomes: RequestOutcome[] = [];

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  const config = parseConfigText(`logging: { bodies: off }\nproviders: { moonshot: { regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }, api_key: sk-abort-body-0001 } }\n`, 'test.yaml', {});
  gateway = createGateway(config, { observers: [{ onRequestFinished: (o) => outcomes.push(o) }] });
  port = Number(new URL(await gateway.listen(0, '127.0.0.1')).port);
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

describe('a client that leaves while sending its body', () => {
  it('is logged as a 499, not reported as an internal error', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":"moonshot/kimi-k2.6","messages":[');
      // The gateway has begun the request (its handler is reading the body) before the client goes.
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A reset, as a client killed mid-upload: a FIN would read as a body cut short, which Node answers with a 400.
      socket.resetAndDestroy();
      await expect.poll(() => outcomes.length).toBe(1);
      expect(outcomes[0]).toMatchObject({ status: 499, clientClosed: true });
      expect(internalErrorsPrinted(printed)).toEqual([]);
      expect(sim.requests).toHaveLength(0);
    } finally {
      printed.mockRestore();
    }
  });

  it('on another route (log ingest) gets the 400 for a body cut short if it still reads, and nothing is reported either', async () => {
    const logs = await startLogsStack();
    const printed = vi.spyOn(console, 'error');
    try {
      const socket = connect(Number(new URL(logs.url).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('POST /v1/logs HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":"kimi-k2.6",');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Half-closed: the client sends no more, and can still read the answer.
      socket.end();
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(internalErrorsPrinted(printed)).toEqual([]);
    } finally {
      printed.mockRestore();
      await logs.close();
    }
  });
});

/** What was printed as an internal error while console.error was watched. */
function internalErrorsPrinted(printed: MockInstance<typeof console.error>): string[] {
  return printed.mock.calls.map((args) => String(args[0])).filter((line) => line.includes('internal error'));
}
