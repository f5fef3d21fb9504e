import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualKeys } from '../keys/virtual-keys.js';
import { tokensUsed } from '../keys/virtual-keys.js';
import type { VirtualKey } from '../keys/virtual-key.js';
import type { RunningRequest } from '../keys/running-requests.js';
import type { Usage } from '../providers/types.js';
import type { RequestCost, RequestCostInput } from '../pricing/request-cost.js';
import { estimatePromptTokens, requestedCompletionTokens } from '../router/estimate-tokens.js';
import type { Lease } from '../router/limit-counters.js';
import { DeadlineExceeded, GatewayShuttingDown, KeyEndedWhileRunning } from '../router/linked-abort.js';
import { clientClosedRequest } from '../router/retry-policy.js';
import type { ChatOutcome, RouteInfo, Router } from '../router/router.js';
import type { StreamTransformer } from '../providers/types.js';
import type { Caller } from './auth.js';
import { CallerCredentials } from './caller-credentials.js';
import { callerInfo, loggableRequest } from './caller-info.js';
import { GatewayError, headerSafe, sendError, sendJsonText, toGatewayError } from './gateway-error.js';
import { splitGatewayExtensions } from './gateway-extensions.js';
import { metadataForStore } from '../providers/stored-completion-metadata.js';
import { endWithErrorEvent, sendKeepAlive } from './early-stream.js';
import { pipeStream } from './pipe-stream.js';
import { readJsonBodyAndText } from './read-json-body.js';
import { refusedByParser } from './answer-client-error.js';
import type { JsonBody } from './read-json-body.js';
import { costInputOf } from './request-outcome.js';
import type { RequestForLog, RequestObserver, RequestOutcome } from './request-outcome.js';
import { MAX_MODEL_NAME_LENGTH, validateChatRequest } from './validate-chat-request.js';
import { StopSwitch } from '../upstream/stop-switch.js';
import type { CallbackList } from './callback-list.js';
import type { DefaultTiers } from '../pricing/default-tiers.js';
import { serviceTierOf } from '../pricing/service-tier.js';
import type { JsonText } from '../logs/bodies/json-text.js';
import { textToHold } from '../logs/bodies/json-text.js';

export interface ChatHandlerDeps {
  router: Router;
  keys: VirtualKeys;
  maxBodyBytes: number;
  /** Rebuild streamed answers so they can be logged. */
  captureResponses: boolean;
  idleTimeoutMs: number;
  /** router.stream_keepalive_ms: a stream quiet towards its client this long gets a comment; 0: never. */
  streamKeepAliveMs: number;
  observers: readonly RequestObserver[];
  /** Prices a finished request; undefined when the gateway has no price book. */
  priceRequest: (input: RequestCostInput) => RequestCost | undefined;
  /** Stops registered here are called when the gateway shuts down and its drain time has run out. */
  shutdownStops?: CallbackList;
  /** Which deployments serve requests naming no tier on OpenAI's priority tier (for budget holds). */
  defaultTiers?: DefaultTiers;
  /** What the log stores of a request's body (see RequestOutcome.requestJson); undefined: no log. */
  requestForLog?: RequestForLog;
}

const NO_CALLER_INFO: RequestOutcome['caller'] = { customerIdentifier: undefined, metadata: undefined, user: undefined, traceId: undefined };

/**
 * POST /v1/chat/completions: read, validate, check the gateway key's allowances, route, answer
 * (JSON or a piped stream), charge the key, and report the outcome to the observers.
 */
export async function handleChatCompletions(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  authorize: () => Promise<Caller>,
  deps: ChatHandlerDeps,
): Promise<void> {
  const startedAtEpoch = Date.now();
  const route: RouteInfo = { startedAt: performance.now(), attempts: [], adjustments: [], notes: [], waitedMs: 0 };
  // The request's switch (see ChatCall.abort): the router also pulls it when the deadline passes.
  const abort = new StopSwitch();
  let clientClosed = false;
  // On shutdown, a request still running after the drain time ends with an error it can read.
  const stoppable = deps.shutdownStops;
  const onShutdown = stoppable?.add(() => abort.abort(new GatewayShuttingDown()));
  // A client that goes away must not keep an upstream generation running (and billing).
  res.on('close', () => {
    if (stoppable && onShutdown) stoppable.remove(onShutdown);
    if (res.writableFinished) return;
    clientClosed = true;
    abort.abort();
  });
  let who: Caller | undefined;
  let key: VirtualKey | undefined;

  let request: Record<string, unknown> | undefined;
  let requestText: JsonText | undefined;
  /** The request as the log stores it, once `request` and `requestText` are let go (a stream's). */
  let requestJson: JsonText | null | undefined;
  let modelRequested: string | undefined;
  let serviceTierRequested: unknown;
  let promptTokens = 0;
  let responseText: string | undefined;
  let caller = NO_CALLER_INFO;
  let stream = false;
  let status = 200;
  let error: GatewayError | undefined;
  let usage: Usage | undefined;
  let usageEstimated = false;
  let response: unknown;
  let firstChunkAt: number | undefined;
  let upstreamEndAt: number | undefined;
  let keyLease: Lease | undefined;
  let releaseHold: (() => void) | undefined;
  /** Stopped (its switch aborted with KeyEndedWhileRunning) if its key is revoked or expires meanwhile. */
  let running: RunningRequest | undefined;
  /** Committed early (a 200 with keep-alives), then failed before its first event: no answer came. */
  let committedWithoutAnswer = false;
  /**
   * A stream can run for minutes, and a long conversation would be held twice meanwhile (its text
   * and its parsed body, for the log record; the provider's copy besides): once the first chunk is
   * out, no attempt can follow, so only what the log will store of it is kept (nothing with
   * `logging.bodies: off`, at most `logging.max_body_kb`), and the provider is told.
   */
  const letGoOfTheRequest = (transformer: StreamTransformer): void => {
    // A stream already over (all of it came in the first read) is logged now: nothing to let go.
    if (res.writableEnded) return;
    transformer.firstChunkSent?.();
    if (!deps.requestForLog || !request) return;
    const loggable = loggableRequest(request);
    try {
      const prepared = deps.requestForLog(loggable, loggable === request ? requestText : undefined);
      requestJson = prepared === null ? null : textToHold(prepared);
    } catch {
      // Left to the log writer at the end, which keeps a record it cannot build without its bodies.
      return;
    }
    request = undefined;
    requestText = undefined;
  };

  /**
   * Reads, checks and routes the request. Its own function so that the parsed body and the bytes
   * go out of scope when it returns: an async function keeps its variables while it waits, and the
   * handler waits for a stream's end.
   */
  const readAndRoute = async (who: Caller): Promise<ChatOutcome> => {
    const received: JsonBody = await readJsonBodyAndText(req, deps.maxBodyBytes, undefined, abort.signal);
    const body = validateChatRequest(received.value);
    request = body;
    requestText = received.text;
    modelRequested = body.model;
    serviceTierRequested = body.service_tier;
    const { forward, extensions } = splitGatewayExtensions(body);
    caller = callerInfo(req, body, extensions, key);
    stream = forward.stream === true;
    const fallbacks = fallbackList(extensions.fallbacks);
    promptTokens = estimatePromptTokens(forward);
    if (key) {
      deps.keys.checkModel(key, forward.model);
      for (const fallback of fallbacks ?? []) deps.keys.checkModel(key, fallback);
      deps.keys.checkBudget(key);
      // At once, before anything awaits: requests arriving together must each see the others' holds.
      if (key.budget_usd !== null) releaseHold = deps.keys.hold(key, budgetedCost(deps, forward, fallbacks, promptTokens));
      keyLease = await deps.keys.admit(key, promptTokens + requestedCompletionTokens(forward));
    }
    return deps.router.chat(forward, {
      requestId,
      callerScope: reasoningScope(who),
      caller: CallerCredentials.parse(extensions.customer_credentials, extensions.credential_override, who.kind === 'open' ? (who.token ?? '') : undefined),
      operator: who.kind === 'master',
      clientWantsUsage: stream && includeUsage(forward.stream_options),
      captureResponse: deps.captureResponses,
      abort,
      route,
      fallbacks,
      promptTokens,
      clientBody: received.bytes,
      storedMetadata: metadataForStore(forward, extensions),
      // Only the first keep-alive sends the headers: the route as it is then, the attempt that will answer.
      keepAlive:
        stream && deps.streamKeepAliveMs > 0
          ? (rateLimits) => sendKeepAlive(res, res.headersSent ? undefined : answerHeaders(requestId, route, rateLimits, performance.now()))
          : undefined,
    });
  };

  try {
    who = await authorize();
    key = who.kind === 'key' ? who.key : undefined;
    // Until the body is read (a bad one is still logged under the key); a literal, not a spread: every request runs this.
    if (key) {
      caller = { keyId: key.id, customerIdentifier: undefined, metadata: undefined, user: undefined, traceId: undefined };
      running = deps.keys.startRequest(key, abort);
    }
    const outcome = await readAndRoute(who);

    if (outcome.kind === 'json') {
      upstreamEndAt = route.upstreamEndAt;
      usage = outcome.usage;
      response = outcome.body;
      responseText = outcome.raw ?? JSON.stringify(outcome.body);
      sendJsonText(res, 200, responseText, answerHeaders(requestId, route, outcome.rateLimits));
    } else {
      let streamFailed = false;
      try {
        const headers = res.headersSent ? {} : answerHeaders(requestId, route, outcome.rateLimits, performance.now());
        const piping = pipeStream(outcome, res, headers, () => clientClosed, deps.idleTimeoutMs, deps.streamKeepAliveMs);
        // pipeStream has written the first chunk before its first wait, but Node sends it from the
        // socket's cork on the next tick: the request is let go in the tick after that, so what
        // that costs never holds back the first byte.
        process.nextTick(letGoOfTheRequest, outcome.stream.transformer);
        const piped = await piping;
        firstChunkAt = piped.firstChunkAt;
        // A stream stopped by a shutdown, its deadline or its key's revocation did not fail because of its deployment.
        const reason = abort.signal.reason;
        const stopped = reason instanceof GatewayShuttingDown || reason instanceof DeadlineExceeded || reason instanceof KeyEndedWhileRunning;
        streamFailed = piped.error !== undefined && !piped.clientClosed && !stopped;
        if (piped.error) error = new GatewayError(502, piped.error.message, { type: piped.error.type, code: piped.error.code });
      } finally {
        upstreamEndAt = performance.now();
        usage = outcome.transformer.usage;
        if (usage === undefined && (clientClosed || error !== undefined || !outcome.transformer.finished)) {
          // Cut before its usage came (the client left, the upstream broke): the provider still
          // bills what it generated, so the key is charged an estimate rather than nothing.
          usage = estimatedStreamUsage(promptTokens, outcome.stream.eventsRead);
          usageEstimated = usage !== undefined;
        }
        response = outcome.transformer.assembled();
        // Gives the credential's concurrency slot back and corrects its token count.
        outcome.finish({ usage, failed: streamFailed });
      }
    }
  } catch (err) {
    // Stopped for its key: whatever the abort looked like where it landed (the router calls an
    // aborted attempt the client's leaving), the answer is the key's 401. Stopped because its
    // client left (the body's read ends with the switch's own AbortError): no bug to report.
    const reason = abort.signal.aborted ? abort.signal.reason : undefined;
    error = reason instanceof KeyEndedWhileRunning ? reason : clientClosed && err === reason ? clientClosedRequest() : toGatewayError(err, requestId);
    status = error.status;
    if (route.committedAt !== undefined) {
      // Committed before the first event (keep-alives went out): the client got its 200, and the
      // failure ends the stream as one after the first event does; the log says the same.
      status = 200;
      committedWithoutAnswer = true;
      if (!clientClosed) endWithErrorEvent(res, error);
    } else if (!clientClosed) sendError(res, error, routeHeaders(requestId, route));
  } finally {
    // Whatever happened: a hold left behind would count against the key's budget for good. The
    // charge below follows with nothing awaited in between, so no request sees neither.
    releaseHold?.();
    if (running) deps.keys.endRequest(running);
  }

  // A body Node's parser refused part-way was answered on the socket (answerClientError): the
  // connection closed, but the client did not leave; it got that answer, and the log says so.
  const refused = clientClosed ? refusedByParser(req.socket) : undefined;
  if (refused) {
    clientClosed = false;
    error = refused;
    status = refused.status;
  }
  const finalStatus = clientClosed ? 499 : status;
  // A 200 that is only the early commit's is priced and counted as the error answer it would
  // otherwise have been: $0 and no tokens, not an answer of unknown usage (cost null, "unpriced",
  // and the whole estimate left in the key's tokens per minute).
  const billedStatus = committedWithoutAnswer && !clientClosed && error ? error.status : finalStatus;
  const cost = deps.priceRequest(costInputOf({ provider: route.provider, model: route.model, usage, response, status: billedStatus, attempts: route.attempts }));
  if (route.provider !== undefined && route.model !== undefined) deps.defaultTiers?.observe(route.provider, route.model, serviceTierRequested, serviceTierOf(response));
  if (key) chargeKey(deps.keys, key, keyLease, cost?.total_usd ?? null, tokensUsed(usage, billedStatus));

  const endedAt = performance.now();
  const latencyMs = endedAt - route.startedAt;
  const upstreamMs = route.upstreamSentAt !== undefined ? (upstreamEndAt ?? endedAt) - route.upstreamSentAt : 0;
  // The gateway's own time: not the upstream's (the answering attempt's and the failed ones'), nor waits.
  let earlierAttemptsMs = 0;
  for (let i = 0; i < route.attempts.length - 1; i++) earlierAttemptsMs += route.attempts[i]!.duration_ms;
  const loggedRequest = request && loggableRequest(request);
  report(deps.observers, {
    requestId,
    startedAt: startedAtEpoch,
    stream,
    modelRequested,
    provider: route.provider,
    model: route.model,
    credential: route.credential,
    status: finalStatus,
    error: withUsageNote(
      clientClosed ? { type: 'client_closed_request', message: 'the client closed the connection before the answer was complete', code: null } : error && { type: error.type, message: error.message, code: error.code },
      usageEstimated ? usage : undefined,
    ),
    attempts: route.attempts,
    adjustments: route.adjustments,
    usage,
    latencyMs,
    ttftMs: firstChunkAt !== undefined ? firstChunkAt - route.startedAt : undefined,
    overheadMs: Math.max(0, latencyMs - upstreamMs - earlierAttemptsMs - route.waitedMs),
    request: loggedRequest,
    response,
    // Keys removed from the request for the log: its text says more than the record may keep.
    requestText: loggedRequest === request ? requestText : undefined,
    requestJson,
    responseText,
    clientClosed,
    cost,
    caller,
  });
}

/**
 * Charges the key in the background. A function of its own, not a closure in the handler: the
 * failure handler waits while charges are merged and written (SpendCoalescer's window), and a
 * closure in the handler would keep the handler's whole scope (`req`, `res`, the bodies) alive
 * for that long, past the request's end.
 */
function chargeKey(keys: VirtualKeys, key: VirtualKey, lease: Lease | undefined, costUsd: number | null, totalTokens: number | undefined): void {
  keys.settle(key, lease, costUsd, totalTokens).catch((err: unknown) => {
    console.error(`moongate: could not charge key ${key.id}: ${err instanceof Error ? err.message : String(err)}`);
  });
}

/** Remembered reasoning is only ever restored for the same caller. */
function reasoningScope(who: Caller): string {
  if (who.kind === 'key') return `key:${who.key.id}`;
  if (who.kind === 'master') return 'master';
  return who.token === undefined ? '' : `bearer:${who.token}`;
}

function report(observers: readonly RequestObserver[], outcome: RequestOutcome): void {
  for (const observer of observers) {
    try {
      observer.onRequestFinished(outcome);
    } catch (err) {
      // An observer failing must not affect the request; it is a bug to report loudly.
      console.error(`moongate: request observer failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Completion tokens assumed for a request that sets no limit, when holding its cost against a budget. */
const ASSUMED_COMPLETION_TOKENS = 1_024;

/** An answer with one `$web_search` call: priced with the request, it adds the tool's per-call fee. */
const ONE_WEB_SEARCH = { choices: [{ message: { tool_calls: [{ function: { name: '$web_search' } }] } }] };
// A request asking OpenAI's priority tier may be served and billed on it, the dearest outcome.
const ON_PRIORITY = { service_tier: 'priority' };
const ONE_WEB_SEARCH_ON_PRIORITY = { ...ONE_WEB_SEARCH, ...ON_PRIORITY };

/**
 * What a budgeted key's request is expected to cost (see expectedCost). A model without a price
 * cannot be counted against a budget, so a budgeted key may not send requests where one may go:
 * they would be free of it, however many.
 */
function budgetedCost(deps: ChatHandlerDeps, body: Record<string, unknown> & { model: string }, fallbacks: string[] | undefined, promptTokens: number): number {
  const expected = expectedCost(deps, body, fallbacks, promptTokens);
  if (expected.unpriced) {
    const { provider, model } = expected.unpriced;
    throw new GatewayError(
      403,
      `This gateway key has a budget, and \`${body.model}\` may go to ${provider}/${model}, which has no price, so its spend could not be counted. Give it a price under \`pricing:\` in the config, or use a key without a budget.`,
      { type: 'permission_error', code: 'model_not_priced', param: 'model' },
    );
  }
  return expected.usd;
}

/**
 * What a request is expected to cost, for the budget hold: its prompt as estimated and its
 * completion limit (or ASSUMED_COMPLETION_TOKENS) for each of its `n` choices, plus one search
 * fee when it offers Moonshot's `$web_search`, at the priority price where it asks OpenAI's
 * priority tier (or names none, where the last such answer came back priority: the project's
 * default), at the dearest of the places it may go (targets and fallbacks); 0 when none of them
 * has a price. With it, one of those places without a price, if any.
 */
function expectedCost(
  deps: ChatHandlerDeps,
  body: Record<string, unknown> & { model: string },
  fallbacks: string[] | undefined,
  promptTokens: number,
): { usd: number; unpriced?: { provider: string; model: string } } {
  const choices = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? body.n : 1;
  const tokens = { prompt: promptTokens, completion: (requestedCompletionTokens(body) || ASSUMED_COMPLETION_TOKENS) * choices, cached: 0 };
  const asksPriority = body.service_tier === 'priority';
  const namesNoTier = body.service_tier === undefined || body.service_tier === 'auto';
  const webSearch = offersWebSearch(body.tools);
  let dearest = 0;
  let unpriced: { provider: string; model: string } | undefined;
  for (const name of [body.model, ...(fallbacks ?? [])]) {
    for (const target of deps.router.targetsOf(name)) {
      const priority = asksPriority || (namesNoTier && deps.defaultTiers?.servesPriority(target.provider, target.model) === true);
      const response = webSearch ? (priority ? ONE_WEB_SEARCH_ON_PRIORITY : ONE_WEB_SEARCH) : priority ? ON_PRIORITY : undefined;
      const cost = deps.priceRequest({ provider: target.provider, model: target.model, tokens, response, failedWithoutAnswer: false, reachedProvider: true });
      if (cost !== undefined && cost.total_usd === null) unpriced ??= target;
      else if (cost?.total_usd != null && cost.total_usd > dearest) dearest = cost.total_usd;
    }
  }
  return unpriced ? { usd: dearest, unpriced } : { usd: dearest };
}

function offersWebSearch(tools: unknown): boolean {
  return Array.isArray(tools) && tools.some((t) => (t as { function?: { name?: unknown } } | null)?.function?.name === '$web_search');
}

/** A stream's usage when the upstream never sent it: the prompt as estimated, a token per event read. */
function estimatedStreamUsage(promptTokens: number, eventsRead: number): Usage | undefined {
  if (eventsRead === 0) return undefined;
  return { prompt_tokens: promptTokens, completion_tokens: eventsRead, total_tokens: promptTokens + eventsRead, cached_tokens: 0, reasoning_tokens: 0 };
}

/** The log says when the counts (and the cost charged) are an estimate. */
function withUsageNote(error: RequestOutcome['error'], estimated: Usage | undefined): RequestOutcome['error'] {
  if (!error || !estimated) return error;
  return { ...error, message: `${error.message} (the upstream reported no usage: ${estimated.prompt_tokens} prompt and ${estimated.completion_tokens} completion tokens are estimated from the request and the ${estimated.completion_tokens} events streamed, and charged as such)` };
}

function fallbackList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '' && v.length <= MAX_MODEL_NAME_LENGTH)) {
    throw new GatewayError(400, `\`fallbacks\` must be an array of model names (of ${MAX_MODEL_NAME_LENGTH} characters at most).`, { code: 'invalid_request', param: 'fallbacks' });
  }
  return value;
}

function includeUsage(options: unknown): boolean {
  return !!options && typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true;
}

/**
 * An answer's headers: the route's, and the rate-limit headers of the upstream that answered. Those
 * describe the gateway's credential (x-moongate-credential) at that upstream, not the caller's
 * gateway key, so errors carry none: the gateway's own 429s have their retry-after, and an upstream
 * error may follow attempts on other credentials.
 */
function answerHeaders(requestId: string, route: RouteInfo, rateLimits: Record<string, string> | undefined, upstreamUntil?: number): Record<string, string> {
  const headers = routeHeaders(requestId, route, upstreamUntil);
  if (rateLimits !== undefined) Object.assign(headers, rateLimits);
  return headers;
}

/**
 * `upstreamUntil`: until when the gateway was waiting for the upstream; its headers by default (a
 * JSON answer's), but a stream's first event or the early commit's keep-alive for streams: the
 * model's time to its first event is not the gateway's (server-timing's `gateway` would be 15 s
 * for a stream committed early).
 */
function routeHeaders(requestId: string, route: RouteInfo, upstreamUntil = route.upstreamHeadersAt): Record<string, string> {
  // `x-request-id` too: the OpenAI SDKs show it as the answer's `_request_id`, so a caller can find its log record.
  const headers: Record<string, string> = { 'x-moongate-request-id': requestId, 'x-request-id': requestId };
  // Model and tool names come from the request: make them safe to put in a header.
  if (route.provider !== undefined) headers['x-moongate-provider'] = headerSafe(route.provider);
  if (route.model !== undefined) headers['x-moongate-model'] = headerSafe(route.model);
  if (route.credential !== undefined) headers['x-moongate-credential'] = headerSafe(route.credential);
  if (route.attempts.length > 0) headers['x-moongate-attempts'] = String(route.attempts.length);
  const adjusted = route.notes.length > 0 ? [...route.notes, ...route.adjustments] : route.adjustments;
  if (adjusted.length > 0) headers['x-moongate-adjusted'] = headerSafe(adjusted.join(', '));
  if (route.upstreamSentAt !== undefined && route.upstreamHeadersAt !== undefined && upstreamUntil !== undefined) {
    const upstream = upstreamUntil - route.upstreamSentAt;
    const gateway = Math.max(0, performance.now() - route.startedAt - upstream);
    headers['server-timing'] = `gateway;dur=${gateway.toFixed(2)}, upstream;dur=${upstream.toFixed(2)}`;
  }
  return headers;
}
