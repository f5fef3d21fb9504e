import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled dashboard: `scripts/build-ui.mjs` writes it to dist/ui. This file runs from
 * src/server (tests) or dist/server (installed); both are two levels under the package root.
 */
const UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * GET /ui and /ui/… — the dashboard's static files. Public on purpose: the page holds no data;
 * every API it calls needs the key the user signs in with. Paths without a known file extension
 * get index.html (client-side routes).
 */
export async function serveUi(req: IncomingMessage, res: ServerResponse, path: string, method: string, dir: string = UI_DIR): Promise<boolean> {
  if (path !== '/ui' && !path.startsWith('/ui/')) return false;
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', `${method} is not allowed on ${path}; use GET.`, { allow: 'GET, HEAD' }, method);
    return true;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice('/ui'.length)).replace(/^\/+/, '');
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', 'Bad percent-encoding in the path.', {}, method);
    return true;
  }
  const ext = extname(rel);
  const file = ext === '' ? 'index.html' : rel;
  const full = normalize(join(dir, file));
  // normalize() resolves "..": anything that ends up outside the folder is refused, not looked up.
  if (!full.startsWith(normalize(dir + sep)) || rel.includes('\0')) {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found.', {}, method);
    return true;
  }
  let body: Buffer;
  try {
    body = await readFile(full);
  } catch {
    const hint = file === 'index.html' ? ' The dashboard is not built: run `npm run build`.' : '';
    send(res, 404, 'text/plain; charset=utf-8', `Not found.${hint}`, {}, method);
    return true;
  }
  // The shell is revalidated every time so a new build is picked up; assets may be cached briefly.
  const cache = file === 'index.html' ? 'no-cache' : 'public, max-age=300';
  send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body, { 'cache-control': cache }, method);
  return true;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string>, method: string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': type,
    'content-length': bytes.length,
    'x-content-type-options': 'nosniff',
    // The page talks to this gateway only: no CDN, no fonts, no third-party anything.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : bytes);
}
