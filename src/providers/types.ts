import type { IncomingHttpHeaders } from 'node:http';
import type { ChatRequestBody } from '../server/validate-chat-request.js';
import type { GatewayError } from '../server/gateway-error.js';
import type { ProviderConfig } from '../config/types.js';
import type { AssembledResponse } from './stream-assembler.js';
import type { StoredMetadata } from './stored-completion-metadata.js';

/** Token counts in OpenAI's terms, whatever shape the provider used. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

/** A credential as the provider needs it for one call. */
export interface UpstreamCredential {
  name: string;
  apiKey: string;
  /** Base URL including the version path, e.g. `https://api.moonshot.ai/v1`. */
  baseUrl: string;
  region?: string;
  /** The caller brought it (and how): its failures are explained to the caller, not the operator. */
  brought?: 'authorization' | 'customer_credentials' | 'credential_override';
  /** A configured credential with a `base_url` of its own, which wins over its region. */
  ownBaseUrl?: boolean;
}

/** What one call needs to know about who asked and how. */
export interface CallContext {
  requestId: string;
  /** Whose conversation this is; keeps remembered reasoning from crossing between callers. */
  callerScope: string;
  /** The client asked for a usage chunk at the end of the stream. */
  clientWantsUsage: boolean;
  /** Response bodies are logged: streams rebuild the whole answer as they pass. */
  captureResponse: boolean;
  /** The key sent upstream on this call, only to blank it out of what the upstream says (redactKey). */
  upstreamKey?: string;
  /** The body's `metadata` of a `store: true` request: OpenAI's own then (placeStoredMetadata). */
  storedMetadata?: StoredMetadata | undefined;
  /**
   * Whatever the provider that prepared this call keeps for its answer (the Moonshot provider: the
   * conversation its tool calls are remembered under). A field of the call, not a WeakMap keyed by
   * it: a WeakMap entry per request cost 0.3–1.5 µs in microbenchmarks here, most of it V8's
   * upkeep of weak keys.
   */
  providerState?: object;
}

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  stream: boolean;
  /** What was changed to fit the provider, for `x-moongate-adjusted`. */
  adjustments: string[];
}

/** Turns one upstream SSE stream into what an OpenAI client expects, event by event. */
export interface StreamTransformer {
  /** One SSE event's `data`; returns the bytes to send on (framed SSE), or '' to send nothing. */
  onData(data: string): string;
  /**
   * How many events onData has returned just as they came (`sseEvent(data)`, nothing changed):
   * for those the event stream may send the upstream's own bytes instead of the text.
   */
  readonly eventsPassedOn: number;
  /** The upstream ended; returns any closing bytes (usage chunk, `[DONE]`). */
  finish(): string;
  /** The upstream failed after the stream started (cut, timeout); returns the closing error event. */
  abort(reason: string): string;
  /**
   * The gateway itself ends the stream (it is shutting down, the request's deadline passed);
   * returns the closing error event, whose message names Moongate rather than the provider.
   */
  stopByGateway(reason: string, code: string, type?: string): string;
  /** An error event was sent: the stream is over, whatever the upstream still sends. */
  readonly failed: boolean;
  /** What the error event said, once failed. */
  readonly failure: StreamFailure | undefined;
  /** Ended with `[DONE]` or an error event: nothing more will come. */
  readonly finished: boolean;
  readonly usage: Usage | undefined;
  /** The whole answer rebuilt from the stream, when the context asked to capture it. */
  assembled(): AssembledResponse | undefined;
  /**
   * The first chunk has gone to the client: no attempt can follow, so what only the request's
   * conversion needed can be let go, or boiled down to what the rest of the stream needs.
   */
  firstChunkSent?(): void;
}

export interface StreamFailure {
  /** As sent to the client: prefixed with the provider's name, or "Moongate" for the gateway's own reasons. */
  message: string;
  /** As the upstream (or the gateway) said it, with no prefix. */
  rawMessage: string;
  type: string;
  code: string | null;
}

export interface NormalizedResponse {
  body: unknown;
  usage: Usage | undefined;
  /** The provider changed nothing: the upstream bytes can be sent as they came. */
  unchanged?: boolean;
}

/**
 * A provider converts requests and responses; the upstream call itself (pools, streaming,
 * aborts) is shared, so each provider stays a set of small, testable conversions.
 */
export interface Provider {
  readonly name: string;
  readonly config: ProviderConfig;
  /**
   * The request for `model`. `clientBody` is the bytes `body` was parsed from (`body` may lack the
   * gateway's own fields): what the provider leaves unchanged is sent as those bytes (bodyToSend).
   * Kept out of CallContext, which streams hold on to: the bytes are needed only here.
   */
  prepareChat(body: ChatRequestBody, model: string, credential: UpstreamCredential, ctx: CallContext, clientBody?: Buffer): Promise<PreparedRequest>;
  normalizeResponse(json: unknown, ctx: CallContext): NormalizedResponse;
  createStreamTransformer(ctx: CallContext): StreamTransformer;
  /**
   * An upstream answer with a non-2xx status, as the error the client should see. `streamed`: the
   * request was a stream (what the provider adds to a request may depend on it).
   */
  mapError(status: number, body: string, headers: IncomingHttpHeaders, credential: UpstreamCredential, streamed: boolean): GatewayError;
}
