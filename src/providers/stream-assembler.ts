/**
 * Rebuilds the whole answer from a stream's chunks, for logging: content, reasoning, refusal,
 * annotations and tool calls per choice. Only used when response bodies are logged, so a stream
 * costs nothing extra otherwise.
 * Expects chunks already normalized (tool-call deltas carry their index).
 */
export interface AssembledChoice {
  index: number;
  message: { role: string; content: string; reasoning_content?: string; refusal?: string; annotations?: unknown[]; tool_calls?: AssembledToolCall[] };
  finish_reason: string | null;
}

export interface AssembledToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface AssembledResponse {
  id?: unknown;
  object: 'chat.completion';
  created?: unknown;
  model?: unknown;
  service_tier?: unknown;
  choices: AssembledChoice[];
}

type Json = Record<string, unknown>;

/** One choice as it is being gathered. */
interface ChoiceParts {
  index: number;
  finishReason: string | null;
  /**
   * Text as it came, a piece per delta, joined once at the end: a `+=` per piece keeps a 32-byte
   * string node for each until the text is read, an array 8 bytes (a long reasoning is thousands
   * of pieces, on every open stream).
   */
  content: string[];
  reasoning: string[] | undefined;
  /** OpenAI's refusal text (structured outputs) and annotations (web search citations), when sent. */
  refusal: string[] | undefined;
  annotations: unknown[] | undefined;
  /**
   * By index, in a map rather than an array: an upstream may send any index, and a sparse array
   * 4294967294 long would take minutes to log.
   */
  toolCalls: Map<number, AssembledToolCall> | undefined;
}

export class StreamAssembler {
  private meta: Json = {};
  private readonly choices = new Map<number, ChoiceParts>();

  add(chunk: Json): void {
    if (this.meta.id === undefined) this.meta = { id: scalar(chunk.id), created: scalar(chunk.created), model: scalar(chunk.model) };
    // The tier that served the answer (OpenAI's flex is billed at half price); every chunk has it.
    if (typeof chunk.service_tier === 'string') this.meta.service_tier = chunk.service_tier;
    if (!Array.isArray(chunk.choices)) return;
    for (const raw of chunk.choices as Json[]) {
      if (!raw || typeof raw !== 'object') continue;
      const choice = this.choice(typeof raw.index === 'number' ? raw.index : 0);
      if (typeof raw.finish_reason === 'string') choice.finishReason = raw.finish_reason;
      const delta = raw.delta as Json | undefined;
      if (!delta || typeof delta !== 'object') continue;
      if (typeof delta.content === 'string') choice.content.push(delta.content);
      if (typeof delta.reasoning_content === 'string') (choice.reasoning ??= []).push(delta.reasoning_content);
      if (typeof delta.refusal === 'string') (choice.refusal ??= []).push(delta.refusal);
      if (Array.isArray(delta.annotations)) (choice.annotations ??= []).push(...(delta.annotations as unknown[]));
      if (Array.isArray(delta.tool_calls)) this.addToolCalls(choice, delta.tool_calls as Json[]);
    }
  }

  /** A chunk with an id has been added: the answer's id, created and model are known. */
  get hasMeta(): boolean {
    return this.meta.id !== undefined;
  }

  /** A delta of text alone, read without its chunk (see the Moonshot transformer). */
  addText(index: number, field: 'content' | 'reasoning_content', text: string): void {
    const choice = this.choice(index);
    if (field === 'content') choice.content.push(text);
    else (choice.reasoning ??= []).push(text);
  }

  /** The reasoning gathered so far for one choice ('' when none). */
  reasoningOf(index: number): string {
    return this.choices.get(index)?.reasoning?.join('') ?? '';
  }

  result(): AssembledResponse {
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map(assembledChoice);
    return { ...this.meta, object: 'chat.completion', choices };
  }

  private choice(index: number): ChoiceParts {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { index, finishReason: null, content: [], reasoning: undefined, refusal: undefined, annotations: undefined, toolCalls: undefined };
      this.choices.set(index, choice);
    }
    return choice;
  }

  private addToolCalls(choice: ChoiceParts, deltas: Json[]): void {
    const calls = (choice.toolCalls ??= new Map());
    for (const d of deltas) {
      if (!d || typeof d !== 'object' || typeof d.index !== 'number') continue;
      let call = calls.get(d.index);
      if (!call) calls.set(d.index, (call = { id: '', type: 'function', function: { name: '', arguments: '' } }));
      if (typeof d.id === 'string') call.id = d.id;
      if (typeof d.type === 'string') call.type = d.type;
      const fn = d.function as Json | undefined;
      if (fn && typeof fn.name === 'string' && fn.name !== '') call.function.name = fn.name;
      if (fn && typeof fn.arguments === 'string') call.function.arguments += fn.arguments;
    }
  }
}

function assembledChoice(parts: ChoiceParts): AssembledChoice {
  const message: AssembledChoice['message'] = { role: 'assistant', content: parts.content.join('') };
  if (parts.reasoning) message.reasoning_content = parts.reasoning.join('');
  if (parts.refusal) message.refusal = parts.refusal.join('');
  if (parts.annotations) message.annotations = parts.annotations;
  if (parts.toolCalls) message.tool_calls = [...parts.toolCalls.entries()].sort((a, b) => a[0] - b[0]).map(([, call]) => call);
  return { index: parts.index, message, finish_reason: parts.finishReason };
}

/** What an upstream sent in a chunk's id, created or model: kept if it is a string or a number, as it should be. */
function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
