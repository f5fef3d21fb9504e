import { createHash, randomUUID } from 'node:crypto';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { buildCompletion, streamPayloads } from './build-response.js';
import { lastUserText, parseDirectives } from './directives.js';
import type { Directives } from './directives.js';
import { invalidRequest, modelNotFound, scriptedError, simError } from './errors.js';
import { estimatePromptTokens } from './estimate-tokens.js';
import type { Exchange } from './exchange.js';
import type { FaultQueue } from './faults.js';
import type { FixtureStore } from './fixtures.js';
import { planReply } from './generate-reply.js';
import { isRecord } from './json.js';
import type { JsonRecord } from './json.js';
import type { ResolvedKey } from './keys.js';
import type { PromptCache } from './prompt-cache.js';
import type { RateLimiter } from './rate-limits.js';
import { ruleContext } from './rule.js';
import { servedModel } from './served-models.js';
import type { Fault, SimError } from './types.js';
import { buildUsage, usageStyle } from './usage.js';
import { validateChatRequest } from './validate-request.js';
import { writeStream } from './write-stream.js';
import type { StreamControl } from './write-stream.js';

export interface ChatDeps {
  limiter: RateLimiter;
  faults: FaultQueue;
  fixtures: FixtureStore;
  cache: PromptCache;
  latencyMs: number;
  tokenDelayMs: number;
  now: () => number;
  retireModels: boolean;
}

/** What the request will get; decided first, then sent after the configured latency. */
type Outcome =
  | { kind: 'error'; error: SimError }
  | { kind: 'garbage' }
  | { kind: 'cut' }
  | { kind: 'json'; status: number; body: string; generationTokens: number }
  | { kind: 'stream'; payloads: Iterable<string> };

const GARBAGE_BODY = 'upstream sent garbage: this is not JSON';

/**
 * POST /v1/chat/completions. Order: injected faults, model lookup, balance, rate limits,
 * `[[sim:...]]` directives, request rules, then the generated reply.
 */
export async function handleChat(ex: Exchange, key: ResolvedKey, body: unknown, deps: ChatDeps): Promise<void> {
  if (!isRecord(body)) return ex.sendError(invalidRequest('Invalid request: request body must be a JSON object'));
  const stream = body.stream === true;
  const modelId = typeof body.model === 'string' ? body.model : undefined;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const fault = deps.faults.take({ model: modelId, key: key.key, region: ex.record.region });
  const directives = parseDirectives(lastUserText(messages));
  const control: StreamControl = {
    tokenDelayMs: directives.tokenDelayMs ?? deps.tokenDelayMs,
    cutAfterChunks: fault?.cutAfterChunks ?? directives.cutAfterChunks,
    streamErrorAfterChunks: directives.streamErrorAfterChunks,
  };
  const latency = fault?.latencyMs ?? directives.latencyMs ?? deps.latencyMs;

  const outcome = await decide(ex, key, body, { stream, modelId, messages, fault, directives }, deps);
  if (latency > 0 && !(await ex.sleep(latency))) return;
  await deliver(ex, outcome, stream, control);
}

interface ChatRequest {
  stream: boolean;
  modelId: string | undefined;
  messages: unknown[];
  fault: Fault | undefined;
  directives: Directives;
}

async function decide(ex: Exchange, key: ResolvedKey, body: JsonRecord, r: ChatRequest, deps: ChatDeps): Promise<Outcome> {
  const { fault, directives } = r;
  if (fault?.status !== undefined) {
    return { kind: 'error', error: scriptedError({ ...fault, status: fault.status, model: r.modelId, org: key.org }) };
  }
  if (fault?.garbage) return { kind: 'garbage' };
  if (fault?.cutAfterChunks !== undefined && !r.stream) return { kind: 'cut' };

  if (r.modelId === undefined) return { kind: 'error', error: invalidRequest('Invalid request: model is required') };
  const model = servedModel(r.modelId, deps);
  if (!model) return { kind: 'error', error: modelNotFound(r.modelId) };
  if (key.balance <= 0) return { kind: 'error', error: quotaExceeded(key) };

  const promptTokens = estimatePromptTokens(r.messages, body.tools);
  const admission = deps.limiter.acquire(key, promptTokens);
  if (!admission.ok) return { kind: 'error', error: admission.error };
  // The concurrency slot is held until the response is over, latency and token pacing included.
  ex.res.once('close', admission.release);
  if (ex.isGone) admission.release();

  const scripted = await fromDirectives(directives, r, key, deps);
  if (scripted) return scripted;

  const ctx = ruleContext(model, body, promptTokens);
  const error = validateChatRequest(ctx);
  if (error) return { kind: 'error', error };

  return generate(model, ctx.thinking, body, r, promptTokens, deps);
}

async function fromDirectives(d: Directives, r: ChatRequest, key: ResolvedKey, deps: ChatDeps): Promise<Outcome | undefined> {
  if (d.error) {
    const { status, after, type, message } = d.error;
    return { kind: 'error', error: scriptedError({ status, type, message, retryAfterSeconds: after, model: r.modelId, org: key.org }) };
  }
  if (d.garbage) return { kind: 'garbage' };
  if (d.cutAfterChunks !== undefined && !r.stream) return { kind: 'cut' };
  if (d.fixture === undefined) return undefined;
  const replay = await deps.fixtures.replay(d.fixture, r.stream);
  if (!replay) return { kind: 'error', error: invalidRequest(`Invalid request: unknown simulator fixture: ${d.fixture}`) };
  if (replay.kind === 'chunks') return { kind: 'stream', payloads: replay.lines };
  return { kind: 'json', status: replay.status, body: replay.body, generationTokens: 0 };
}

function generate(model: CatalogueModel, thinking: boolean, body: JsonRecord, r: ChatRequest, promptTokens: number, deps: ChatDeps): Outcome {
  const plan = planReply({ model, thinking, body, messages: r.messages, tokens: r.directives.tokens });
  const choices = typeof body.n === 'number' ? body.n : 1;
  const style = usageStyle(model);
  const cachedTokens = style === 'plain' ? 0 : deps.cache.lookupAndStore(model.id, r.messages, body.tools);
  const usage = buildUsage(style, {
    promptTokens,
    completionTokens: plan.completionTokens * choices,
    reasoningTokens: plan.reasoningTokens * choices,
    cachedTokens: Math.min(cachedTokens, promptTokens),
  });
  const logprobs = body.logprobs === true ? { top: typeof body.top_logprobs === 'number' ? body.top_logprobs : 0 } : undefined;
  const meta = { id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`, created: Math.floor(deps.now() / 1000), model: model.id, choices, thinking, usage, logprobs };
  if (!r.stream) return { kind: 'json', status: 200, body: buildCompletion(plan, meta), generationTokens: plan.completionTokens };

  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  // Live kimi-k3 streams close a tool call with finish_reason "stop" (moonshotai-metadata-live.chunks.txt).
  const finishReason = model.family === 'kimi-k3' && plan.finishReason === 'tool_calls' ? 'stop' : plan.finishReason;
  return {
    kind: 'stream',
    payloads: streamPayloads(plan, { ...meta, systemFingerprint: fingerprint(model.id), includeUsage: streamOptions.include_usage === true, finishReason }),
  };
}

async function deliver(ex: Exchange, outcome: Outcome, stream: boolean, control: StreamControl): Promise<void> {
  switch (outcome.kind) {
    case 'error':
      return ex.sendError(outcome.error);
    case 'cut':
      return ex.cut();
    case 'garbage':
      if (stream) return ex.send(200, 'data: this is not JSON\n\ndata: [DONE]\n\n', 'text/event-stream; charset=utf-8');
      return ex.send(200, GARBAGE_BODY);
    case 'json':
      // A non-stream reply arrives only when the whole generation is done.
      if (outcome.generationTokens > 1 && control.tokenDelayMs > 0) {
        if (!(await ex.sleep(control.tokenDelayMs * (outcome.generationTokens - 1)))) return;
      }
      return ex.send(outcome.status, outcome.body);
    case 'stream':
      return writeStream(ex, outcome.payloads, control);
  }
}

function quotaExceeded(key: ResolvedKey): SimError {
  return simError(
    429,
    'exceeded_current_quota_error',
    `Your account ${key.orgSpaced} is suspended due to insufficient balance, please recharge your account or check your plan and billing details`,
  );
}

const fingerprints = new Map<string, string>();

function fingerprint(modelId: string): string {
  let fp = fingerprints.get(modelId);
  if (!fp) {
    fp = `fpv0_${createHash('sha256').update(modelId).digest('hex').slice(0, 8)}`;
    fingerprints.set(modelId, fp);
  }
  return fp;
}
