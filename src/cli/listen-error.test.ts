import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenErrorMessage } from './listen-error.js';

describe('listenErrorMessage', () => {
  it('names the port and host in use and how to change it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const second = createServer();
    const err = await new Promise<unknown>((resolve) => second.once('error', resolve).listen(port, '127.0.0.1'));
    taken.close();
    expect(listenErrorMessage(err, '127.0.0.1', port, 'set server.port or --port')).toBe(`port ${port} is in use on 127.0.0.1; set server.port or --port`);
  });

  it('leaves other errors alone', () => {
    expect(listenErrorMessage(new Error('boom'), '0.0.0.0', 4000, 'x')).toBeUndefined();
  });
});
