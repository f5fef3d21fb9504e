import { connect } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useRestartableStore } from '../helpers/restartable-store.js';

/**
 * Shutting down: requests in flight get the drain time to finish; what is still running after it
 * ends with an error its client can read (an error event on a stream), logged as such, rather
 * than being cut mid-chunk and blamed on the provider.
 */
const store = useRestartableStore('moongate-shutdown-');

async function boot() {
  const { gateway, url } = await store.boot('router: { retries: 0 }');
  return { gateway, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 }) };
}

describe('shutdown past the drain time', () => {
  it('ends a running stream with an error event saying so, and logs why', async () => {
    const first = await boot();
    const { data: stream, response } = await first.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: '[[sim:token_delay=100]] [[sim:tokens=200]] a long answer' }] })
      .withResponse();
    const requestId = response.headers.get('x-moongate-request-id')!;
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of stream) chunks.push(chunk.choices[0]?.delta?.content ?? '');
    })();
    await expect.poll(() => chunks.length).toBeGreaterThan(1);
    const closing = first.gateway.close(300);
    // Moongate stopped it, not the provider: the message says so.
    await expect(read).rejects.toThrow(/^Moongate: the gateway is shutting down and stopped this request after its drain time/);
    await closing;

    const second = await boot();
    try {
      const record: any = await (await fetch(`${second.url}/v1/logs/${requestId}`)).json();
      // The client got 200 and the stream's error event; the record says why it ended.
      expect(record).toMatchObject({ status: 200, stream: true, error_type: 'api_error' });
      expect(record.error_message).toMatch(/^Moongate: the gateway is shutting down/);
    } finally {
      await second.gateway.close();
    }
  });

  it('answers a request whose body stalled with 503 gateway_shutting_down, and logs it', async () => {
    const first = await boot();
    const socket = connect(Number(new URL(first.url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    // Headers and a part of the body; the rest never comes.
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model": "moonshot/kimi-k2.6", ');
    await expect.poll(() => first.gateway.inFlight.current).toBe(1);
    await first.gateway.close(200);
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('"code":"gateway_shutting_down"');

    const second = await boot();
    try {
      const listed: any = await (await fetch(`${second.url}/v1/logs?status=503`)).json();
      expect(listed.data).toHaveLength(1);
      expect(listed.data[0].error_message).toMatch(/^Moongate: the gateway is shutting down/);
    } finally {
      await second.gateway.close();
    }
  });

  it('answers a non-stream request still waiting for its upstream with 503 gateway_shutting_down', async () => {
    const first = await boot();
    const pending = first.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: '[[sim:latency=5000]] slow' }] })
      .catch((e: unknown) => e);
    await expect.poll(() => first.gateway.inFlight.current).toBe(1);
    await first.gateway.close(200);
    const err: any = await pending;
    expect(err.status).toBe(503);
    expect(err.error).toMatchObject({ code: 'gateway_shutting_down', message: 'Moongate: the gateway is shutting down and stopped this request after its drain time.' });
  });
});
