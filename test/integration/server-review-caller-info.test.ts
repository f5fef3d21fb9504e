import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Who a request is for, as the log records it: a customer id sent as a number was dropped without
 * a word (the record had no customer, so /v1/usage?group_by=customer missed its spend), and
 * headers written in UTF-8 (curl, Go, anything that sends the bytes of a UTF-8 string) were read
 * as Latin-1: "Zürich" was logged as "ZÃ¼rich" and a filter by the real name found nothing.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

/** One chat request with raw header bytes (fetch would encode them itself); the answer's status and request id. */
function rawChat(headers: Buffer, body: string): Promise<{ status: number; requestId: string; text: string }> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        Buffer.concat([
          Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`),
          headers,
          Buffer.from(`\r\n${body}`),
        ]),
      );
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(text.slice(9, 12)), requestId: /x-moongate-request-id: (\S+)/i.exec(text)?.[1] ?? '', text }));
  });
}

const chat = (fields: Record<string, unknown> = {}): string => JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], ...fields });

describe('caller info in the log', () => {
  it('records x-moongate-customer, -trace-id and -metadata sent as UTF-8 as the text they are', async () => {
    const headers = Buffer.from('x-moongate-customer: Zürich GmbH\r\nx-moongate-trace-id: trace-é\r\nx-moongate-metadata: {"team":"façade"}\r\n', 'utf8');
    const res = await rawChat(headers, chat());
    expect(res.status).toBe(200);
    await stack.flush();
    const record = (await stack.api(`/v1/logs/${res.requestId}`)).json;
    expect(record).toMatchObject({ customer_identifier: 'Zürich GmbH', trace_id: 'trace-é', metadata: { team: 'façade' } });
    const found = await stack.api(`/v1/logs?customer=${encodeURIComponent('Zürich GmbH')}`);
    expect(found.json.data.map((r: { id: string }) => r.id)).toContain(res.requestId);
  });

  it('still reads a header sent as Latin-1 bytes (what fetch and Python send for ü)', async () => {
    const res = await rawChat(Buffer.from('x-moongate-customer: Müller\r\n', 'latin1'), chat());
    expect(res.status).toBe(200);
    await stack.flush();
    expect((await stack.api(`/v1/logs/${res.requestId}`)).json.customer_identifier).toBe('Müller');
  });

  it('records a customer_identifier given as a number, as its digits', async () => {
    const res = await rawChat(Buffer.alloc(0), chat({ customer_identifier: 12345 }));
    expect(res.status).toBe(200);
    await stack.flush();
    expect((await stack.api(`/v1/logs/${res.requestId}`)).json.customer_identifier).toBe('12345');
  });

  it('refuses a customer_identifier of another type with a 400 naming it, instead of dropping it', async () => {
    const res = await rawChat(Buffer.alloc(0), chat({ customer_identifier: { id: 1 } }));
    expect(res.status).toBe(400);
    const error = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'customer_identifier' });
  });
});
