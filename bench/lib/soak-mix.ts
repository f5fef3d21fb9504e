/**
 * The soak's traffic: what a gateway meets in a day, in one mix. Most of it succeeds; the rest takes
 * the paths where state is most often left behind: clients that hang up, upstream errors before and
 * during a stream, garbage, bodies the gateway refuses, and Kimi's tool-call round trip (reasoning
 * remembered on one turn, put back on the next). Every request's text is new (a counter), as real
 * prompts are; the tool conversations come from a small set, so that what the gateway is meant to
 * remember (bounded by design) stays small and growth means something.
 */
import { conversationBody } from './moongate-setup.js';

export type SoakKindName =
  | 'json'
  | 'stream'
  | 'compat_json'
  | 'compat_stream'
  | 'stream_client_abort'
  | 'json_client_abort'
  | 'upstream_400'
  | 'upstream_500'
  | 'stream_error_event'
  | 'stream_cut'
  | 'upstream_garbage'
  | 'tool_round_trip'
  | 'malformed_json'
  | 'unknown_model'
  | 'long_conversation';

export type SoakRoute = 'faulty' | 'compat';

export interface SoakKind {
  name: SoakKindName;
  /** Share of the mix's items, out of its total weight. */
  weight: number;
  /**
   * Sent to another of the target's routes when it has one (MixedJob.routes), else to its model:
   * `faulty` for upstream failures, which must not rest the main route; `compat` for the
   * OpenAI-compatible provider's code path.
   */
  route?: SoakRoute;
  /** The client hangs up: after the first body bytes, or this many ms after sending. */
  abort?: 'first-chunk' | { afterMs: number };
  /** Two requests: a turn that ends in tool calls, then the tool results without the reasoning. */
  toolRoundTrip?: boolean;
  body(model: string, n: number): string;
}

const SYSTEM = { role: 'system', content: 'You are a concise assistant.' };
const user = (content: string) => ({ role: 'user', content });
const chat = (model: string, text: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ model, messages: [SYSTEM, user(text)], max_tokens: 256, ...extra });
const stream = (model: string, text: string): string => chat(model, text, { stream: true, stream_options: { include_usage: true } });

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const TOOL_CITIES = ['Paris', 'Lagos', 'Lima', 'Oslo', 'Pune', 'Perth', 'Quito', 'Seoul'];

export const SOAK_MIX: readonly SoakKind[] = [
  { name: 'json', weight: 30, body: (m, n) => chat(m, `Request ${n}: one sentence about the moon. [[sim:tokens=16]]`) },
  { name: 'stream', weight: 20, body: (m, n) => stream(m, `Request ${n}: tell me about the moon. [[sim:tokens=24]]`) },
  { name: 'compat_json', weight: 4, route: 'compat', body: (m, n) => chat(m, `Request ${n}: one sentence about the sea. [[sim:tokens=16]]`) },
  { name: 'compat_stream', weight: 4, route: 'compat', body: (m, n) => stream(m, `Request ${n}: tell me about the sea. [[sim:tokens=24]]`) },
  { name: 'stream_client_abort', weight: 6, abort: 'first-chunk', body: (m, n) => stream(m, `Request ${n}: a long story. [[sim:tokens=40]] [[sim:token_delay=5]]`) },
  { name: 'json_client_abort', weight: 3, abort: { afterMs: 10 }, body: (m, n) => chat(m, `Request ${n}: slow. [[sim:latency=60]]`) },
  { name: 'upstream_400', weight: 5, body: (m, n) => chat(m, `Request ${n}: refused. [[sim:error=400]]`) },
  { name: 'upstream_500', weight: 2, route: 'faulty', body: (m, n) => chat(m, `Request ${n}: fails. [[sim:error=500]]`) },
  { name: 'stream_error_event', weight: 3, route: 'faulty', body: (m, n) => stream(m, `Request ${n}: breaks. [[sim:tokens=12]] [[sim:stream_error=3]]`) },
  { name: 'stream_cut', weight: 3, route: 'faulty', body: (m, n) => stream(m, `Request ${n}: cut. [[sim:tokens=12]] [[sim:cut=3]]`) },
  { name: 'upstream_garbage', weight: 2, route: 'faulty', body: (m, n) => chat(m, `Request ${n}: garbage. [[sim:garbage]]`) },
  {
    name: 'tool_round_trip',
    weight: 6,
    toolRoundTrip: true,
    body: (m, n) => chat(m, `What is the weather in ${toolCity(n)}?`, { tools: [WEATHER_TOOL] }),
  },
  { name: 'malformed_json', weight: 3, body: (m, n) => `{"model":"${m}","messages":[{"role":"user","content":"Request ${n}: cut off` },
  { name: 'unknown_model', weight: 3, body: (_m, n) => chat('no-such-model', `Request ${n}: to nowhere.`) },
  { name: 'long_conversation', weight: 2, body: (m, n) => conversationBody(m, 100, `${n}: `) },
];

/** Items in one turn of the whole mix: its total weight. */
const MIX_CYCLE = SOAK_MIX.reduce((sum, kind) => sum + kind.weight, 0);

/**
 * The city of item n's tool question. Not `n % 8`: the mix's cycle (its total weight) is a multiple
 * of 8, so each of the kind's slots would ask about the same city for ever. One step further each
 * cycle, every slot goes through all eight.
 */
function toolCity(n: number): string {
  return TOOL_CITIES[(n + Math.floor(n / MIX_CYCLE)) % TOOL_CITIES.length]!;
}

/**
 * The follow-up of a tool round trip: the assistant's turn as an OpenAI client keeps it (content
 * and tool calls, no `reasoning_content`), then one result per call. Kimi refuses this unless the
 * gateway puts the reasoning back.
 */
export function toolResultsBody(firstBody: string, assistant: { content?: unknown; tool_calls?: { id?: unknown }[] }): string {
  const first = JSON.parse(firstBody) as { model: string; messages: unknown[]; tools: unknown[] };
  const calls = assistant.tool_calls ?? [];
  return JSON.stringify({
    model: first.model,
    tools: first.tools,
    max_tokens: 256,
    messages: [
      ...first.messages,
      { role: 'assistant', content: assistant.content ?? '', tool_calls: calls },
      ...calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: '{"temperature_c": 21, "sky": "clear"}' })),
    ],
  });
}

/** The kinds in a fixed interleaved order, each as often as its weight: loop i takes order[(i + offset) % length]. */
export function soakOrder(mix: readonly SoakKind[] = SOAK_MIX): SoakKind[] {
  const slots: { kind: SoakKind; at: number }[] = [];
  // Spread each kind evenly over the cycle (its k-th slot at (k + 0.5) / weight of the way).
  for (const kind of mix) for (let k = 0; k < kind.weight; k++) slots.push({ kind, at: (k + 0.5) / kind.weight });
  return slots.sort((a, b) => a.at - b.at).map((slot) => slot.kind);
}
