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

/** What the router did for one request; filled in as it goes, so errors can report it too. */
export interface RouteInfo {
  provider?: string;
  model?: string;
  credential?: string;
  attempts: number;
  adjustments: string[];
  /** ms from sending upstream to its response headers. */
  upstreamHeadersMs?: number;
}

export interface ChatCall {
  requestId: string;
  callerScope: string;
  callerKey?: string;
  clientWantsUsage: boolean;
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
    const ctx: CallContext = { requestId: call.requestId, callerScope: call.callerScope, clientWantsUsage: call.clientWantsUsage };
    const prepared = await provider.prepareChat(body, target.model, credential, ctx);
    route.adjustments = prepared.adjustments;

    route.attempts++;
    const sentAt = performance.now();
    const res = await sendUpstreamRequest(this.pools, {
      baseUrl: credential.baseUrl,
      path: prepared.path,
      headers: prepared.headers,
      body: prepared.body,
      signal: call.signal,
      timeoutMs: this.config.router.timeout_ms,
      providerName: provider.name,
    });
    route.upstreamHeadersMs = performance.now() - sentAt;

    if (res.status < 200 || res.status >= 300) {
      const text = await readText(res, provider.name);
      throw provider.mapError(res.status, text, res.headers, credential);
    }

    const contentType = String(res.headers['content-type'] ?? '');
    if (prepared.stream && contentType.includes('text/event-stream')) {
      return { kind: 'stream', upstream: res, transformer: provider.createStreamTransformer(ctx) };
    }

    const text = await readText(res, provider.name);
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
