import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

/** The key the gateway sends to the one-off upstream: a test can check it never reaches a client. */
export const ONE_OFF_UPSTREAM_KEY = 'sk-upstream-key-0001';

/**
 * A gateway whose only Moonshot credential points at a small loopback server answering as
 * `handle` says (an upstream misbehaving in a way the simulator does not model). One attempt,
 * no cooling down, so each test sees its own answer.
 */
export async function stackWithUpstream(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Stack & { upstream: Server }> {
  const upstream = createServer(handle);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  const stack = await startStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${base}, cn: ${base} }
    credentials: [{ name: main, api_key: ${ONE_OFF_UPSTREAM_KEY}, region: global }]
`,
  });
  return {
    ...stack,
    upstream,
    async close() {
      await stack.close();
      await new Promise((resolve) => upstream.close(resolve));
    },
  };
}
