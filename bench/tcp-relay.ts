/**
 * The hop alone: every connection is relayed to the upstream byte for byte, with no HTTP parsed
 * or written. What it adds over direct-to-simulator is what one more process on the path costs on
 * this machine (two more socket reads and writes each way, and the wake-ups between them); the
 * baseline proxy adds Node's HTTP server and undici's client to that, and Moongate its own work.
 * Usage: node tcp-relay.js <upstream origin> <port>   (listens on 127.0.0.1 only)
 */
import { connect, createServer } from 'node:net';

const [upstream = '', port = '0'] = process.argv.slice(2);
const target = new URL(upstream);
if (target.hostname !== '127.0.0.1') throw new Error(`tcp relay: the upstream must be on 127.0.0.1, not ${target.hostname}`);

// Half-open both ways: a client that ends its side still gets the rest of the answer.
const server = createServer({ allowHalfOpen: true }, (client) => {
  const out = connect({ port: Number(target.port), host: target.hostname, allowHalfOpen: true });
  // As Node's HTTP server and undici do: each write leaves at once.
  client.setNoDelay(true);
  out.setNoDelay(true);
  client.pipe(out);
  out.pipe(client);
  client.on('error', () => out.destroy());
  out.on('error', () => client.destroy());
  client.on('close', () => out.destroy());
  out.on('close', () => client.destroy());
});
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`tcp relay listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => process.exit(0));
