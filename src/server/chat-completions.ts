import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteInfo, Router } from '../router/router.js';
import { bearerToken } from './auth.js';
import { sendError, sendJson, toGatewayError } from './gateway-error.js';
import { splitGatewayExtensions } from './gateway-extensions.js';
import { pipeStream } from './pipe-stream.js';
import { readJsonBody } from './read-json-body.js';
import { validateChatRequest } from './validate-chat-request.js';

export interface ChatHandlerDeps {
  router: Router;
  maxBodyBytes: number;
  /** Open mode (no master key): the caller's bearer token may be a provider key to pass through. */
  openMode: boolean;
}

/** POST /v1/chat/completions: read, validate, route, answer (JSON or a piped stream). */
export async function handleChatCompletions(req: IncomingMessage, res: ServerResponse, requestId: string, deps: ChatHandlerDeps): Promise<void> {
  const started = performance.now();
  const abort = new AbortController();
  // A client that goes away must not keep an upstream generation running (and billing).
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const route: RouteInfo = { attempts: 0, adjustments: [] };

  try {
    const body = validateChatRequest(await readJsonBody(req, deps.maxBodyBytes));
    const { forward } = splitGatewayExtensions(body);
    const stream = forward.stream === true;
    const token = bearerToken(req);
    const outcome = await deps.router.chat(forward, {
      requestId,
      callerScope: token ?? '',
      callerKey: deps.openMode ? token : undefined,
      clientWantsUsage: stream && includeUsage(forward.stream_options),
      signal: abort.signal,
      route,
    });

    if (outcome.kind === 'json') {
      sendJson(res, 200, outcome.body, routeHeaders(requestId, route, started));
      return;
    }
    await pipeStream(outcome.upstream, outcome.transformer, res, routeHeaders(requestId, route, started), abort.signal);
  } catch (err) {
    if (abort.signal.aborted) return;
    sendError(res, toGatewayError(err), routeHeaders(requestId, route, started));
  }
}

function includeUsage(options: unknown): boolean {
  return !!options && typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true;
}

function routeHeaders(requestId: string, route: RouteInfo, started: number): Record<string, string> {
  const headers: Record<string, string> = { 'x-moongate-request-id': requestId };
  if (route.provider !== undefined) headers['x-moongate-provider'] = route.provider;
  if (route.model !== undefined) headers['x-moongate-model'] = route.model;
  if (route.credential !== undefined) headers['x-moongate-credential'] = route.credential;
  if (route.attempts > 0) headers['x-moongate-attempts'] = String(route.attempts);
  if (route.adjustments.length > 0) headers['x-moongate-adjusted'] = route.adjustments.join(', ');
  const total = performance.now() - started;
  if (route.upstreamHeadersMs !== undefined) {
    const overhead = Math.max(0, total - route.upstreamHeadersMs);
    headers['server-timing'] = `gateway;dur=${overhead.toFixed(2)}, upstream;dur=${route.upstreamHeadersMs.toFixed(2)}`;
  }
  return headers;
}
