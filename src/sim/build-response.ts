import type { FinishReason, PlannedToolCall, ReplyPlan } from './generate-reply.js';

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  /** How many identical choices to send (`n`). */
  choices: number;
  thinking: boolean;
  usage: Record<string, unknown>;
  /** `logprobs: true` was asked: per-token log probabilities with `top` alternatives (`top_logprobs`). */
  logprobs?: { top: number };
}

export interface StreamMeta extends ResponseMeta {
  systemFingerprint: string;
  includeUsage: boolean;
  /** Live kimi-k3 streams end a tool call with finish_reason "stop" (moonshotai-metadata-live). */
  finishReason: FinishReason;
}

/** Non-stream `chat.completion`, keys in the order of the live captures. */
export function buildCompletion(plan: ReplyPlan, meta: ResponseMeta): string {
  const message: Record<string, unknown> = { role: 'assistant', content: plan.content.join('') };
  if (meta.thinking) message.reasoning_content = plan.reasoning.join('');
  if (plan.toolCalls.length > 0) message.tool_calls = plan.toolCalls.map(toolCallObject);
  const logprobs = meta.logprobs ? { content: plan.content.map((piece) => tokenLogprob(piece, meta.logprobs!.top)) } : undefined;
  const choices = Array.from({ length: meta.choices }, (_, index) => ({ index, message, finish_reason: plan.finishReason, ...(logprobs ? { logprobs } : {}) }));
  return JSON.stringify({ id: meta.id, object: 'chat.completion', created: meta.created, model: meta.model, choices, usage: meta.usage });
}

/**
 * One `logprobs.content[]` entry as in moonshotai-logprobs.json: token, logprob, bytes (UTF-8),
 * top_logprobs. The simulator is certain of its tokens, so the only alternative it lists is the
 * token itself (when `top_logprobs` ≥ 1), at a fixed small log probability.
 */
export function tokenLogprob(token: string, top: number): Record<string, unknown> {
  const entry = { token, logprob: -0.01, bytes: [...Buffer.from(token, 'utf8')] };
  return { ...entry, top_logprobs: top >= 1 ? [entry] : [] };
}

function toolCallObject(call: PlannedToolCall): Record<string, unknown> {
  return { index: call.index, id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } };
}

/**
 * SSE payloads, produced lazily so an aborted stream stops building them: a role chunk with
 * `content: ""`, reasoning deltas, content deltas, tool-call deltas (id/name with `""` arguments,
 * then fragments), the finish chunk with usage inside `choices[0]`, and with include_usage a
 * final `{"choices":[],"usage":…}` chunk.
 */
export function* streamPayloads(plan: ReplyPlan, meta: StreamMeta): Generator<string> {
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":[`;
  const tail = `],"system_fingerprint":${JSON.stringify(meta.systemFingerprint)}}`;
  const usage = JSON.stringify(meta.usage);

  for (let index = 0; index < meta.choices; index++) {
    const delta = (d: Record<string, unknown>, logprobs = ''): string =>
      `${head}{"index":${index},"delta":${JSON.stringify(d)}${logprobs},"finish_reason":null}${tail}`;
    yield delta({ role: 'assistant', content: '' });
    for (const piece of plan.reasoning) yield delta({ reasoning_content: piece });
    for (const piece of plan.content) {
      // Logprobs ride on the content chunks, between delta and finish_reason (moonshotai-logprobs.chunks.txt).
      yield delta({ content: piece }, meta.logprobs ? `,"logprobs":${JSON.stringify({ content: [tokenLogprob(piece, meta.logprobs.top)] })}` : '');
    }
    for (const call of plan.toolCalls) {
      yield delta({ tool_calls: [{ index: call.index, id: call.id, type: call.type, function: { name: call.name, arguments: '' } }] });
      for (const fragment of call.fragments) yield delta({ tool_calls: [{ index: call.index, function: { arguments: fragment } }] });
    }
    const usagePart = index === meta.choices - 1 ? `,"usage":${usage}` : '';
    yield `${head}{"index":${index},"delta":{},"finish_reason":${JSON.stringify(meta.finishReason)}${usagePart}}${tail}`;
  }
  if (meta.includeUsage) {
    yield `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":[],"usage":${usage}}`;
  }
}
