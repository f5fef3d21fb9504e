import type { Server } from 'node:http';

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions', '/api/chat/completions']);

/**
 * Counts chat requests from arrival to the end of their response (or the client leaving), by
 * listening beside the gateway's own request handler. Other routes (health checks, the scrape
 * itself) are left out so that the gauge means "generations in progress".
 */
export function countChatInFlight(server: Server): () => number {
  let current = 0;
  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (!CHAT_PATHS.has(path)) return;
    current++;
    res.once('close', () => current--);
  });
  return () => current;
}
