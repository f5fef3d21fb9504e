/**
 * Rebuilds the whole answer from a stream's chunks, for logging: content, reasoning and tool calls
 * per choice. Only used when response bodies are logged, so a stream costs nothing extra otherwise.
 * Expects chunks already normalized (tool-call deltas carry their index).
 */
export interface AssembledChoice {
  index: number;
  message: { role: string; content: string; reasoning_content?: string; tool_calls?: AssembledToolCall[] };
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
  choices: AssembledChoice[];
}

type Json = Record<string, unknown>;

export class StreamAssembler {
  private meta: Json = {};
  private readonly choices = new Map<number, AssembledChoice>();
  /**
   * Tool calls per choice, by index, in maps rather than arrays: an upstream may send any index,
   * and a sparse array 4294967294 long would take minutes to log.
   */
  private readonly toolCalls = new Map<AssembledChoice, Map<number, AssembledToolCall>>();

  add(chunk: Json): void {
    if (this.meta.id === undefined) this.meta = { id: scalar(chunk.id), created: scalar(chunk.created), model: scalar(chunk.model) };
    if (!Array.isArray(chunk.choices)) return;
    for (const raw of chunk.choices as Json[]) {
      if (!raw || typeof raw !== 'object') continue;
      const index = typeof raw.index === 'number' ? raw.index : 0;
      let choice = this.choices.get(index);
      if (!choice) {
        choice = { index, message: { role: 'assistant', content: '' }, finish_reason: null };
        this.choices.set(index, choice);
      }
      if (typeof raw.finish_reason === 'string') choice.finish_reason = raw.finish_reason;
      const delta = raw.delta as Json | undefined;
      if (!delta || typeof delta !== 'object') continue;
      if (typeof delta.content === 'string') choice.message.content += delta.content;
      if (typeof delta.reasoning_content === 'string') {
        choice.message.reasoning_content = (choice.message.reasoning_content ?? '') + delta.reasoning_content;
      }
      if (Array.isArray(delta.tool_calls)) this.addToolCalls(choice, delta.tool_calls as Json[]);
    }
  }

  result(): AssembledResponse {
    for (const [choice, calls] of this.toolCalls) {
      choice.message.tool_calls = [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, call]) => call);
    }
    return { ...this.meta, object: 'chat.completion', choices: [...this.choices.values()].sort((a, b) => a.index - b.index) };
  }

  private addToolCalls(choice: AssembledChoice, deltas: Json[]): void {
    let calls = this.toolCalls.get(choice);
    if (!calls) this.toolCalls.set(choice, (calls = new Map()));
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

/** What an upstream sent in a chunk's id, created or model: kept if it is a string or a number, as it should be. */
function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
