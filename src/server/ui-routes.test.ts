import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi } from './ui-routes.js';

/** The dashboard's static file route over a temp folder standing in for dist/ui. */
let dir: string;
let server: Server;
let port: number;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'moongate-ui-'));
  dir = join(root, 'ui');
  mkdirSync(dir);
  writeFileSync(join(root, 'secret.txt'), 'outside');
  writeFileSync(join(dir, 'index.html'), '<!doctype html>shell');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/(.)\/$/, '$1');
    void serveUi(req, res, path, req.method ?? 'GET', dir).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

/** Sends the path exactly as written (fetch would resolve "..").  */
function get(path: string, method = 'GET'): Promise<{ status: number; type: string | undefined; cache: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], cache: res.headers['cache-control'], body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('GET /ui', () => {
  it('serves the shell, revalidated every time', async () => {
    const res = await get('/ui');
    expect(res).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache', body: '<!doctype html>shell' });
  });

  it('serves assets with their content type and a short cache', async () => {
    expect(await get('/ui/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', cache: 'public, max-age=300' });
    expect(await get('/ui/app.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
  });

  it('answers client routes with the shell', async () => {
    expect((await get('/ui/logs/abc')).body).toBe('<!doctype html>shell');
  });

  it('never serves a file outside its folder', async () => {
    for (const path of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/%2e%2e%2fsecret.txt']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('outside');
    }
  });

  it('404s a missing asset and refuses writes', async () => {
    expect((await get('/ui/nope.js')).status).toBe(404);
    expect((await get('/ui', 'POST')).status).toBe(405);
    expect((await get('/ui', 'HEAD')).status).toBe(200);
  });

  it('leaves other paths alone', async () => {
    expect((await get('/uix')).status).toBe(418);
    expect((await get('/v1/models')).status).toBe(418);
  });
});
