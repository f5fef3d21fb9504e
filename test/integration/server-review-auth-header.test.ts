import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOn, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const MASTER = 'mk-review-master-0123456789';

/** Sends raw HTTP/1.1 (fetch cannot repeat a header) and returns the status and body. */
function rawRequest(url: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed connection may be dropped before a slower answer is sent.
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
  });
}

let stack: Stack;
let gateway: Awaited<ReturnType<typeof startGatewayOn>>;
beforeAll(async () => {
  stack = await startStack();
  gateway = await startGatewayOn(
    stack.sim,
    `
master_key: ${MASTER}
providers:
  moonshot:
    regions: { global: ${stack.sim.globalBaseUrl}, cn: ${stack.sim.cnBaseUrl} }
    credentials:
      - { name: main, api_key: sk-test-global-0001, region: global }
`,
  );
});
afterAll(async () => {
  await gateway.close();
  await stack.close();
});

describe('Authorization header parsing', () => {
  it('two different Authorization headers: a 400 saying so, not the first one silently', async () => {
    const res = await rawRequest(gateway.url, `GET /v1/models HTTP/1.1\r\nAuthorization: Bearer wrong\r\nAuthorization: Bearer ${MASTER}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_authorization', param: null });
    const reversed = await rawRequest(gateway.url, `GET /v1/models HTTP/1.1\r\nAuthorization: Bearer ${MASTER}\r\nAuthorization: Bearer wrong`);
    expect(reversed.status).toBe(400);
  });

  it('the master key after two spaces or a tab is the master key', async () => {
    const spaced = await rawRequest(gateway.url, `GET /v1/models HTTP/1.1\r\nAuthorization: Bearer  ${MASTER}`);
    expect(spaced.status, spaced.body.slice(0, 300)).toBe(200);
    expect((await rawRequest(gateway.url, `GET /v1/models HTTP/1.1\r\nAuthorization: bearer\t${MASTER}`)).status).toBe(200);
  });
});
