import { GatewayError, methodNotAllowed } from '../server/gateway-error.js';
import type { RouteHandler } from '../server/http-server.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * `GET /metrics` in Prometheus' text format. With a master key set it needs the master key
 * (Prometheus sends it with `authorization: { credentials: … }` in the scrape config), not a
 * gateway key; open mode serves it to anyone, like chat: it holds counts, never content.
 */
export function metricsRoute(metrics: GatewayMetrics): RouteHandler {
  return async (_req, res, path, method, caller) => {
    if (path !== '/metrics') return false;
    if (method !== 'GET') {
      throw methodNotAllowed(method, '/metrics', ['GET']);
    }
    if (caller.kind === 'key') {
      throw new GatewayError(403, 'GET /metrics needs the master key, not a gateway key.', { type: 'permission_error', code: 'admin_only' });
    }
    const { text, contentType } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  };
}
