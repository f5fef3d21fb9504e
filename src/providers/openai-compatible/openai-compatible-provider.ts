import { editableCopy } from '../editable-copy.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderConfig } from '../../config/types.js';
import { GatewayError } from '../../server/gateway-error.js';
import type { ChatRequestBody } from '../../server/validate-chat-request.js';
import type {
  CallContext,
  NormalizedResponse,
  PreparedRequest,
  Provider,
  StreamTransformer,
  UpstreamCredential,
} from '../types.js';
import { bodyToSend } from '../serialize-edited-json.js';
import { upstreamHeaders } from '../upstream-headers.js';
import { placeStoredMetadata } from '../stored-completion-metadata.js';
import { readUsage } from '../usage.js';
import { mapOpenAIStyleError } from './map-error.js';
import { PassthroughStreamTransformer } from './passthrough-stream.js';

/**
 * OpenAI itself and any OpenAI-compatible server: the request goes through as sent (with the
 * model id the route chose), the answer comes back as received, and usage is read on the way.
 * Streams ask for usage upstream (`stream_options.include_usage`; the usage chunk is held back
 * from a client that did not ask), so that every stream is priced and charged to its key: without
 * it such servers send none. `stream_usage: false` leaves the request alone, for a server that
 * refuses the field.
 */
export class OpenAICompatibleProvider implements Provider {
  constructor(readonly config: ProviderConfig) {}

  get name(): string {
    return this.config.name;
  }

  private get requestsUsage(): boolean {
    return this.config.stream_usage;
  }

  async prepareChat(
    body: ChatRequestBody,
    model: string,
    credential: UpstreamCredential,
    ctx: CallContext,
    clientBody?: Buffer,
  ): Promise<PreparedRequest> {
    const out = editableCopy(body);
    out.model = model;
    const adjustments: string[] = [];
    const stream = out.stream === true;
    if (stream && this.requestsUsage && !ctx.clientWantsUsage) {
      const current = out.stream_options && typeof out.stream_options === 'object' ? out.stream_options : {};
      out.stream_options = { ...current, include_usage: true };
      adjustments.push('stream_options.include_usage=true(upstream only)');
    }
    placeStoredMetadata(out, ctx.storedMetadata, this.config.type, adjustments);
    return { path: '/chat/completions', headers: upstreamHeaders(credential, ctx), body: bodyToSend(clientBody, body, out), stream, adjustments };
  }

  normalizeResponse(json: unknown): NormalizedResponse {
    const usage = json && typeof json === 'object' ? readUsage((json as { usage?: unknown }).usage) : undefined;
    return { body: json, usage, unchanged: true };
  }

  createStreamTransformer(ctx: CallContext): StreamTransformer {
    return new PassthroughStreamTransformer({
      providerName: this.name,
      forwardUsageChunk: ctx.clientWantsUsage || !this.requestsUsage,
      captureResponse: ctx.captureResponse,
      ...(ctx.upstreamKey !== undefined ? { upstreamKey: ctx.upstreamKey } : {}),
    });
  }

  mapError(status: number, body: string, headers: IncomingHttpHeaders, _credential: UpstreamCredential, streamed: boolean): GatewayError {
    const error = mapOpenAIStyleError(this.name, status, body, headers);
    // A server that refuses the field the gateway added on its own (to streams only): say whose it
    // was, and the fix. A non-stream request's stream_options were the client's own.
    if (this.requestsUsage && streamed && status >= 400 && status < 500 && body.includes('stream_options')) {
      return new GatewayError(error.status, `${error.message} (the gateway added stream_options to ask for usage; set providers.${this.name}.stream_usage: false if this server refuses it)`, {
        type: error.type,
        code: error.code,
        param: error.param,
        headers: error.headers,
      });
    }
    return error;
  }
}
