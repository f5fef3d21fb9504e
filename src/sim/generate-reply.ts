import type { CatalogueModel } from '../catalogue/catalogue.js';
import { contentText, lastUserText, stripDirectives } from './directives.js';
import { dumpsJson, isRecord } from './json.js';
import type { JsonRecord } from './json.js';
import { splitPieces } from './pieces.js';
import { sampleFromSchema } from './schema-sample.js';
import { requestedCompletionTokens } from './validate-context.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface PlannedToolCall {
  index: number;
  id: string;
  type: 'function' | 'builtin_function';
  name: string;
  arguments: string;
  /** Argument fragments as streamed; they join to `arguments`. */
  fragments: string[];
}

/** Everything one choice will say, decided up front so stream and non-stream answers agree. */
export interface ReplyPlan {
  reasoning: string[];
  content: string[];
  toolCalls: PlannedToolCall[];
  finishReason: FinishReason;
  completionTokens: number;
  reasoningTokens: number;
}

export interface ReplyInput {
  model: CatalogueModel;
  thinking: boolean;
  body: JsonRecord;
  messages: unknown[];
  /** `[[sim:tokens=N]]`: produce exactly N content pieces. */
  tokens?: number;
}

const SNIPPET_CHARS = 200;

/**
 * A deterministic reply derived from the request, so tests can see their input round-tripped:
 * a tool call when tools are offered to a user turn, a summary of a tool result, or an echo of
 * the user's text. `reasoning` is filled only when thinking is on.
 */
export function planReply(input: ReplyInput): ReplyPlan {
  const { model, thinking, body, messages } = input;
  const last = messages[messages.length - 1];
  const lastRecord = isRecord(last) ? last : {};
  const userText = snippet(stripDirectives(lastUserText(messages)));

  let reasoningText = '';
  let contentPieces: string[] = [];
  let toolCalls: PlannedToolCall[] = [];

  const tools = lastRecord.role === 'user' && body.tool_choice !== 'none' ? pickTools(body, userText) : [];
  if (tools.length > 0) {
    toolCalls = tools.map((tool, index) => planToolCall(tool, index, userText));
    reasoningText = `The user asks: "${shorten(userText, 80)}". I should call ${tools.map((t) => t.name).join(' and ')}.`;
  } else if (lastRecord.role === 'tool') {
    const name = toolNameFor(messages, lastRecord);
    const result = snippet(contentText(lastRecord.content));
    reasoningText = `The ${name} tool returned its result. I will summarise it for the user.`;
    contentPieces = splitPieces(`The ${name} tool returned: ${result}`);
  } else {
    reasoningText = userText === '' ? 'The user sent no text. I will greet them.' : `The user wrote: "${shorten(userText, 80)}". I will echo it back.`;
    contentPieces = input.tokens !== undefined ? numberedPieces(input.tokens) : splitPieces(replyText(model, body, userText, lastRecord));
  }

  return truncate(
    {
      reasoning: thinking ? splitPieces(reasoningText) : [],
      content: applyStop(contentPieces, body.stop),
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      completionTokens: 0,
      reasoningTokens: 0,
    },
    requestedCompletionTokens(body),
  );
}

function replyText(model: CatalogueModel, body: JsonRecord, userText: string, last: JsonRecord): string {
  const echo = `Hello from the Moongate simulator (${model.id}).${userText === '' ? '' : ` You said: ${userText}`}`;
  const rf = isRecord(body.response_format) ? body.response_format : undefined;
  if (rf?.type === 'json_object') return JSON.stringify({ reply: echo });
  if (rf?.type === 'json_schema' && isRecord(rf.json_schema)) return JSON.stringify(sampleFromSchema(rf.json_schema.schema, userText));
  if (last.role === 'assistant' && last.partial === true) return continuation(echo, typeof last.content === 'string' ? last.content : '');
  return echo;
}

/** Partial mode: the reply continues the assistant's prefix and never repeats it. */
function continuation(full: string, prefix: string): string {
  if (prefix !== '' && full.startsWith(prefix)) return full.slice(prefix.length);
  return ` ${full}`;
}

interface ToolDef {
  name: string;
  type: 'function' | 'builtin_function';
  parameters: unknown;
}

function pickTools(body: JsonRecord, userText: string): ToolDef[] {
  if (!Array.isArray(body.tools)) return [];
  const defs: ToolDef[] = [];
  for (const t of body.tools) {
    if (!isRecord(t) || !isRecord(t.function) || typeof t.function.name !== 'string') continue;
    defs.push({ name: t.function.name, type: t.type === 'builtin_function' ? 'builtin_function' : 'function', parameters: t.function.parameters });
  }
  if (defs.length === 0) return [];
  const choice = body.tool_choice;
  if (isRecord(choice) && isRecord(choice.function)) {
    const wanted = choice.function.name;
    const named = defs.find((d) => d.name === wanted);
    return named ? [named] : [];
  }
  const mentioned = defs.filter((d) => userText.includes(d.name.replace(/^\$/, '')));
  if (mentioned.length > 0) return mentioned;
  const first = defs.find((d) => d.type === 'function') ?? defs[0];
  return first ? [first] : [];
}

function planToolCall(tool: ToolDef, index: number, userText: string): PlannedToolCall {
  const args =
    tool.type === 'builtin_function'
      ? dumpsJson({ search_result: { search_id: `sim-search-${index}` }, usage: { total_tokens: 128 } })
      : dumpsJson(tool.parameters === undefined || tool.parameters === null ? {} : sampleFromSchema(tool.parameters, userText));
  return { index, id: `${tool.name}_${index}`, type: tool.type, name: tool.name, arguments: args, fragments: splitPieces(args) };
}

function toolNameFor(messages: unknown[], toolMessage: JsonRecord): string {
  const id = toolMessage.tool_call_id;
  for (const m of messages) {
    if (!isRecord(m) || !Array.isArray(m.tool_calls)) continue;
    for (const call of m.tool_calls) {
      if (isRecord(call) && call.id === id && isRecord(call.function) && typeof call.function.name === 'string') return call.function.name;
    }
  }
  return typeof toolMessage.name === 'string' ? toolMessage.name : 'tool';
}

/** Applies max_completion_tokens: reasoning first, then content; tool calls only if they fit whole. */
function truncate(plan: ReplyPlan, limit: number | undefined): ReplyPlan {
  const toolCost = plan.toolCalls.reduce((sum, c) => sum + 1 + c.fragments.length, 0);
  const full = plan.reasoning.length + plan.content.length + toolCost;
  if (limit === undefined || full <= limit) {
    return { ...plan, completionTokens: full, reasoningTokens: plan.reasoning.length };
  }
  const reasoning = plan.reasoning.slice(0, limit);
  const content = plan.content.slice(0, limit - reasoning.length);
  return {
    reasoning,
    content,
    toolCalls: [],
    finishReason: 'length',
    completionTokens: reasoning.length + content.length,
    reasoningTokens: reasoning.length,
  };
}

/** `stop`: the content ends before the first stop sequence it contains, which is not sent. */
function applyStop(pieces: string[], stop: unknown): string[] {
  const sequences = (typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : []).filter((s): s is string => typeof s === 'string' && s !== '');
  if (sequences.length === 0) return pieces;
  const text = pieces.join('');
  let cut = -1;
  for (const seq of sequences) {
    const at = text.indexOf(seq);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut < 0 ? pieces : splitPieces(text.slice(0, cut));
}

function numberedPieces(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'token0' : ` token${i}`));
}

function snippet(text: string): string {
  return shorten(text.replace(/\s+/g, ' ').trim(), SNIPPET_CHARS);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
