import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Simulator } from '../../src/sim/index.js';

/** A small upstream on 127.0.0.1 answering as a test says (what the simulator does not model). */
export interface LoopbackUpstream {
  server: Server;
  /** Its `/v1` base URL, for a provider's `base_url` or `regions`. */
  base: string;
  close(): Promise<void>;
}

export async function listenLoopback(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackUpstream> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A minimal chat completion saying "ok", as an upstream's answer. */
export const OK_COMPLETION = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'kimi-k2.6',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});

/** The key a request to the upstream carries (`Authorization: Bearer <key>`). */
export function bearerKey(req: IncomingMessage): string {
  return String(req.headers.authorization).slice('Bearer '.length);
}

/** For startGatewayOn with a config that points at a loopback upstream only: it reads just the simulator's URL. */
export const NO_SIM = { url: '' } as Simulator;
