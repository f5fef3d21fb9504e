/**
 * The baseline: the least a Node proxy can do — node:http in, an undici Pool out, bytes piped both
 * ways as they arrive, nothing parsed. Moongate is compared with this, measured in the same run.
 * (Plain event callbacks and `pool.stream`: measured ~0.1 ms faster per call here than
 * `for await` over the request and response bodies.)
 * Usage: node baseline-proxy.js <upstream origin> <port>   (listens on 127.0.0.1 only)
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const [upstream = '', port = '0'] = process.argv.slice(2);
const pool = new Pool(upstream, { pipelining: 1, keepAliveTimeout: 30_000 });
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding'];
const REQUEST_SKIP = new Set([...HOP_BY_HOP, 'host', 'content-length']); // undici sets both
const RESPONSE_SKIP = new Set(HOP_BY_HOP);
const forwardable = (h: IncomingHttpHeaders, skip: Set<string>): Record<string, string | string[]> =>
  Object.fromEntries(Object.entries(h).filter((e): e is [string, string | string[]] => e[1] !== undefined && !skip.has(e[0])));

const server = createServer((req, res) => {
  if (req.url === '/health/live') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const abort = new AbortController();
    res.on('close', () => res.writableFinished || abort.abort()); // only a client that left early
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const options = { method: (req.method ?? 'GET') as 'GET', path: req.url ?? '/', headers: forwardable(req.headers, REQUEST_SKIP), body, signal: abort.signal };
    // The response goes to `res` chunk by chunk (undici writes each read at once, with back-pressure).
    pool.stream(options, ({ statusCode, headers }) => res.writeHead(statusCode, forwardable(headers, RESPONSE_SKIP))).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `baseline proxy: ${String(err)}`, type: 'api_error' } }));
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`baseline proxy listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
