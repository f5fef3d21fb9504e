import type { Usage } from '../types.js';
import { SSE_DONE, sseEvent } from '../sse.js';
import { StreamTransformerBase } from '../stream-transformer-base.js';
import { readUsage } from '../usage.js';
import { toOpenAIUsage } from './convert-usage.js';
import { ToolCallDeltaNormalizer } from './normalize-tool-call-deltas.js';
import { readTextDelta } from './read-text-delta.js';
import type { ToolCallRef } from './reasoning-memory.js';
import { toolCallsAnswer } from './tool-calls-answer.js';
import type { AssembledResponse } from '../stream-assembler.js';

export interface CompletedTurn {
  toolCalls: ToolCallRef[];
  reasoning: string;
}

export interface MoonshotStreamOptions {
  providerName: string;
  clientWantsUsage: boolean;
  /** Rebuild the whole answer as it passes (for logging response bodies). */
  captureResponse?: boolean;
  /**
   * Called once per choice that made tool calls, when the choice finishes (for the reasoning
   * memory). Without it no reasoning is kept.
   */
  onTurnComplete?: (turn: CompletedTurn, choice: number) => void;
  /** The key sent upstream, blanked out of the upstream's error events. */
  upstreamKey?: string;
  /** See StreamTransformer.firstChunkSent. */
  onFirstChunkSent?: () => void;
}

interface ChoiceState {
  /** Made at its first tool-call delta: most answers have none, and a stream holds this to its end. */
  toolCalls?: ToolCallDeltaNormalizer;
  /**
   * Its reasoning, in pieces (see StreamAssembler): gathered here only for onTurnComplete, and only
   * when the log's assembler does not gather it already. A long reasoning is thousands of pieces.
   */
  reasoning?: string[];
  roleSent: boolean;
  /** Its turn went to onTurnComplete. */
  reported: boolean;
}

type Json = Record<string, unknown>;

/**
 * Moonshot's stream → OpenAI's. Events pass through byte for byte unless something must change:
 * - usage moves from `choices[0].usage` (Moonshot) to one usage-only chunk before `[DONE]`, sent
 *   only if the client asked (`stream_options.include_usage`); the top-level usage wins if both come;
 * - tool-call deltas get the `index` and `type` OpenAI clients need, a choice's first delta its role;
 * - `finish_reason: "stop"` after tool calls becomes `"tool_calls"`;
 * - an `{"error":…}` event becomes an OpenAI error event and ends the stream.
 */
export class MoonshotStreamTransformer extends StreamTransformerBase {
  private choiceUsage: unknown;
  private topUsage: unknown;
  private usageSent = false;
  private meta: Json = {};
  private readonly choices = new Map<number, ChoiceState>();
  /** The choices' reasoning is kept here: for onTurnComplete, when the log's assembler does not keep it. */
  private readonly keepsReasoning: boolean;

  constructor(private readonly options: MoonshotStreamOptions) {
    super(options.providerName, options.captureResponse, options.upstreamKey);
    this.keepsReasoning = options.onTurnComplete !== undefined && !this.assembler;
  }

  get usage(): Usage | undefined {
    return readUsage(this.topUsage ?? this.choiceUsage);
  }

  firstChunkSent(): void {
    this.options.onFirstChunkSent?.();
  }

  /** Without response bodies logged, still the tool calls: `$web_search` is billed per call. */
  override assembled(): AssembledResponse | undefined {
    return this.assembler ? this.assembler.result() : toolCallsAnswer(this.choices);
  }

  onData(data: string): string {
    if (this.finished) return '';
    if (data === '[DONE]') return this.complete();
    const first = this.choices.get(0);
    // Once the first choice has its role and the stream (and the log's answer) its id, an event
    // that only carries text needs no change: it is read without being parsed.
    if (first?.roleSent && this.meta.id !== undefined && this.assembler?.hasMeta !== false) {
      const delta = readTextDelta(data);
      if (delta !== undefined) {
        if (this.assembler) this.assembler.addText(0, delta.field, delta.text);
        else if (delta.field === 'reasoning_content' && this.keepsReasoning) (first.reasoning ??= []).push(delta.text);
        return this.passOn(data);
      }
    }

    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return this.fail(`upstream sent a stream event that is not JSON: ${preview(data)}`, 'api_error', 'invalid_upstream_response');
    }
    if (!chunk || typeof chunk !== 'object' || Array.isArray(chunk)) {
      return this.fail(`upstream sent a stream event that is not an object: ${preview(data)}`, 'api_error', 'invalid_upstream_response');
    }
    const tooDeep = this.refuseTooDeep(chunk);
    if (tooDeep !== undefined) return tooDeep;
    const obj = chunk as Json;
    if (obj.error !== undefined && obj.error !== null) return this.upstreamError(obj.error);

    let changed = false;
    if (obj.object === undefined) {
      obj.object = 'chat.completion.chunk';
      changed = true;
    }
    this.rememberMeta(obj);
    const choices = Array.isArray(obj.choices) ? (obj.choices as unknown[]) : [];

    if (obj.usage !== undefined && obj.usage !== null) {
      this.topUsage = obj.usage;
      if (choices.length === 0) return this.usageOnlyChunk(obj, changed ? undefined : data);
      // Usage riding on a content chunk is not where OpenAI clients look: it goes in the usage chunk.
      delete obj.usage;
      changed = true;
    }

    for (const raw of choices) {
      if (!raw || typeof raw !== 'object') continue;
      if (this.convertChoice(raw as Json)) changed = true;
    }
    this.assembler?.add(obj);
    // The turn is whole once its finish_reason comes: remembered now, not at [DONE], which a client
    // that stops reading at finish_reason (and so closes the stream) keeps the gateway from seeing.
    // After the assembler has this chunk: its reasoning is the turn's.
    for (const raw of choices) {
      const choice = raw as Json | null;
      if (choice && typeof choice === 'object' && typeof choice.finish_reason === 'string') this.reportTurn(indexOf(choice));
    }
    return changed ? sseEvent(JSON.stringify(obj)) : this.passOn(data);
  }

  private convertChoice(choice: Json): boolean {
    let changed = false;
    const state = this.choiceState(indexOf(choice));
    if (choice.usage !== undefined) {
      if (choice.usage !== null) this.choiceUsage = choice.usage;
      delete choice.usage;
      changed = true;
    }
    const delta = choice.delta as Json | undefined;
    if (delta && typeof delta === 'object') {
      // OpenAI clients take the role from a choice's first delta and fail without one.
      if (!state.roleSent) {
        state.roleSent = true;
        if (delta.role === undefined) {
          delta.role = 'assistant';
          changed = true;
        }
      }
      // Kept only for a turn the reasoning memory may take, and not twice: with response bodies
      // logged, the assembler has it.
      if (typeof delta.reasoning_content === 'string' && this.keepsReasoning) (state.reasoning ??= []).push(delta.reasoning_content);
      if (Array.isArray(delta.tool_calls) && (state.toolCalls ??= new ToolCallDeltaNormalizer()).normalize(delta.tool_calls)) changed = true;
    }
    if (choice.finish_reason === 'stop' && state.toolCalls !== undefined && state.toolCalls.count > 0) {
      choice.finish_reason = 'tool_calls';
      changed = true;
    }
    return changed;
  }

  /** `data`: the chunk as it came, when nothing in it has been changed yet. */
  private usageOnlyChunk(obj: Json, data: string | undefined): string {
    if (!this.options.clientWantsUsage || this.usageSent) return '';
    this.usageSent = true;
    const usage = toOpenAIUsage(obj.usage);
    // Moonshot's own bytes when its usage already has what OpenAI clients read, as for any event.
    if (usage === obj.usage && data !== undefined) return this.passOn(data);
    obj.usage = usage;
    return sseEvent(JSON.stringify(obj));
  }

  private complete(): string {
    this.done = true;
    this.reportTurns();
    const usage = this.topUsage ?? this.choiceUsage;
    if (this.options.clientWantsUsage && !this.usageSent && usage !== undefined) {
      this.usageSent = true;
      return sseEvent(JSON.stringify({ ...this.meta, object: 'chat.completion.chunk', choices: [], usage: toOpenAIUsage(usage) })) + SSE_DONE;
    }
    return this.passOn('[DONE]');
  }

  /** Choices that never said finish_reason are reported at [DONE]. */
  private reportTurns(): void {
    for (const index of this.choices.keys()) this.reportTurn(index);
  }

  private reportTurn(index: number): void {
    const state = this.choices.get(index);
    if (!state || state.reported || !this.options.onTurnComplete) return;
    state.reported = true;
    if (!state.toolCalls) return;
    const toolCalls = state.toolCalls.assembled();
    if (toolCalls.length === 0) return;
    const reasoning = this.assembler ? this.assembler.reasoningOf(index) : (state.reasoning?.join('') ?? '');
    this.options.onTurnComplete({ toolCalls, reasoning }, index);
  }

  private rememberMeta(obj: Json): void {
    if (this.meta.id !== undefined) return;
    for (const key of ['id', 'created', 'model', 'system_fingerprint']) {
      if (obj[key] !== undefined) this.meta[key] = obj[key];
    }
  }

  private choiceState(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { toolCalls: undefined, reasoning: undefined, roleSent: false, reported: false };
      this.choices.set(index, state);
    }
    return state;
  }
}

function indexOf(choice: Json): number {
  return typeof choice.index === 'number' ? choice.index : 0;
}

function preview(data: string): string {
  return data.length > 120 ? `${data.slice(0, 120)}…` : data;
}
