import type { GatewayConfig } from '../config/types.js';
import type { CallContext, Provider, StreamTransformer, Usage } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { ChatRequestBody } from '../server/validate-chat-request.js';
import { sendUpstreamRequest } from '../upstream/send-request.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import type { UpstreamPools } from '../upstream/pool.js';
import { pickWeighted } from './pick-weighted.js';
import { resolveModel } from './resolve-model.js';
import { selectCredential } from './select-credential.js';

/** One try at one upstream: where it went and how it ended. */
export interface AttemptRecord {
  provider: string;
  model: string;
  credential: string;
  /** Upstream HTTP status; absent when no answer came (network error, timeout, abort). */
  status?: number;
  /** Set when this attempt failed. */
  error_type?: string;
  /** ms from the request's arrival to this attempt's start. */
  started_ms: number;
  /** ms until the upstream's response headers (or the failure). */
  duration_ms: number;
}

/** What the router did for one request; filled in as it goes, so errors can report it too. */
export interface RouteInfo {
  /** performance.now() when the request arrived. */
  startedAt: number;
  provider?: string;
  model?: string;
  credential?: string;
  attempts: AttemptRecord[];
  adjustments: string[];
  /** performance.now() when the winning attempt was sent upstream, and when its headers came. */
  upstreamSentAt?: number;
  upstreamHeadersAt?: number;
  /** performance.now() when a JSON answer had been read whole. */
  upstreamEndAt?: number;
}

export interface ChatCall {
  requestId: string;
  callerScope: string;
  callerKey?: string;
  clientWantsUsage: boolean;
  captureResponse: boolean;
  signal: AbortSignal;
  route: RouteInfo;
}

export type ChatOutcome =
  | { kind: 'json'; body: unknown; usage: Usage | undefined }
  | { kind: 'stream'; upstream: UpstreamResponse; transformer: StreamTransformer };

/** Picks where a chat request goes, calls it, and hands back a JSON answer or a stream to pipe. */
export class Router {
  constructor(
    private readonly config: GatewayConfig,
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly pools: UpstreamPools,
  ) {}

  async chat(body: ChatRequestBody, call: ChatCall): Promise<ChatOutcome> {
    const resolved = resolveModel(body.model, this.config);
    const target = pickWeighted(resolved.targets)!;
    const provider = this.providers.get(target.provider);
    if (!provider) throw new GatewayError(404, `No provider named "${target.provider}" is configured.`, { code: 'model_not_found', param: 'model' });
    const { route } = call;
    route.provider = provider.name;
    route.model = target.model;

    const credential = selectCredential({ provider: provider.config, model: target.model, callerKey: call.callerKey });
    route.credential = credential.name;
    const ctx: CallContext = {
      requestId: call.requestId,
      callerScope: call.callerScope,
      clientWantsUsage: call.clientWantsUsage,
      captureResponse: call.captureResponse,
    };
    const prepared = await provider.prepareChat(body, target.model, credential, ctx);
    route.adjustments = prepared.adjustments;

    const sentAt = performance.now();
    const attempt: AttemptRecord = {
      provider: provider.name,
      model: target.model,
      credential: credential.name,
      started_ms: sentAt - route.startedAt,
      duration_ms: 0,
    };
    route.attempts.push(attempt);
    route.upstreamSentAt = sentAt;
    let res: UpstreamResponse;
    try {
      res = await sendUpstreamRequest(this.pools, {
        baseUrl: credential.baseUrl,
        path: prepared.path,
        headers: prepared.headers,
        body: prepared.body,
        signal: call.signal,
        timeoutMs: this.config.router.timeout_ms,
        providerName: provider.name,
      });
    } catch (err) {
      attempt.duration_ms = performance.now() - sentAt;
      attempt.error_type = err instanceof GatewayError ? err.type : 'api_error';
      throw err;
    }
    route.upstreamHeadersAt = performance.now();
    attempt.duration_ms = route.upstreamHeadersAt - sentAt;
    attempt.status = res.status;

    if (res.status < 200 || res.status >= 300) {
      const text = await readText(res, provider.name);
      const error = provider.mapError(res.status, text, res.headers, credential);
      attempt.error_type = error.type;
      throw error;
    }

    const contentType = String(res.headers['content-type'] ?? '');
    if (prepared.stream && contentType.includes('text/event-stream')) {
      return { kind: 'stream', upstream: res, transformer: provider.createStreamTransformer(ctx) };
    }

    const text = await readText(res, provider.name);
    route.upstreamEndAt = performance.now();
    const json = parseUpstreamJson(text, provider.name);
    if (json && typeof json === 'object' && 'error' in json && (json as { error: unknown }).error) {
      throw provider.mapError(502, text, res.headers, credential);
    }
    if (prepared.stream) {
      throw new GatewayError(502, `${provider.name}: answered a streaming request with a JSON body instead of an event stream.`, {
        type: 'api_error',
        code: 'invalid_upstream_response',
      });
    }
    const normalized = provider.normalizeResponse(json, ctx);
    return { kind: 'json', body: normalized.body, usage: normalized.usage };
  }
}

async function readText(res: UpstreamResponse, providerName: string): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new GatewayError(502, `${providerName}: the connection broke while reading the answer (${detail})`, {
      type: 'api_error',
      code: 'upstream_incomplete',
    });
  }
}

function parseUpstreamJson(text: string, providerName: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const preview = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    throw new GatewayError(502, `${providerName}: answered with a body that is not JSON: ${JSON.stringify(preview)}`, {
      type: 'api_error',
      code: 'invalid_upstream_response',
    });
  }
}
