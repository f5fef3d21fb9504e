import type { ToolCallRef } from './reasoning-memory.js';

interface ToolCallDelta {
  index?: unknown;
  id?: unknown;
  type?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

/**
 * OpenAI clients assemble streamed tool calls by `index` and need `type` on each call's first
 * delta. Moonshot sometimes sends neither (parallel calls without index, argument deltas with only
 * their position, a string index). This fills them in, per choice, and keeps the assembled calls.
 */
export class ToolCallDeltaNormalizer {
  private readonly indexById = new Map<string, number>();
  /**
   * By index, in a map rather than an array: an upstream may send any index (4294967294 was
   * tried), and an array that long would take the event loop for minutes.
   */
  private readonly calls = new Map<number, ToolCallRef>();
  /** One past the highest index seen: where a new call without an index goes. */
  private next = 0;
  private current = -1;

  get count(): number {
    return this.calls.size;
  }

  /** The calls assembled so far, in index order. */
  assembled(): ToolCallRef[] {
    return [...this.calls.entries()].sort((a, b) => a[0] - b[0]).map(([, call]) => call);
  }

  /** Mutates the deltas in place; returns true when anything was changed. */
  normalize(deltas: unknown[]): boolean {
    let changed = false;
    deltas.forEach((raw, position) => {
      if (!raw || typeof raw !== 'object') return;
      const delta = raw as ToolCallDelta;
      const id = typeof delta.id === 'string' && delta.id !== '' ? delta.id : undefined;
      let index = validIndex(delta.index);
      if (index === undefined) {
        index = this.inferIndex(id, position, deltas.length);
        delta.index = index;
        changed = true;
      }
      if (id !== undefined && !this.indexById.has(id)) {
        this.indexById.set(id, index);
        if (delta.type === undefined) {
          delta.type = 'function';
          changed = true;
        }
      }
      this.current = index;
      this.accumulate(index, id, delta.function);
    });
    return changed;
  }

  private inferIndex(id: string | undefined, position: number, batchSize: number): number {
    if (id !== undefined) return this.indexById.get(id) ?? this.next;
    // An argument delta with neither id nor index: in a batch, its position names the call;
    // alone, it continues the call in progress.
    if (batchSize > 1 && position < this.next) return position;
    return this.current >= 0 ? this.current : 0;
  }

  private accumulate(index: number, id: string | undefined, fn: ToolCallDelta['function']): void {
    let call = this.calls.get(index);
    if (!call) {
      call = { id: '', name: '', arguments: '' };
      this.calls.set(index, call);
      this.next = Math.max(this.next, index + 1);
    }
    if (id !== undefined) call.id = id;
    if (fn && typeof fn.name === 'string' && fn.name !== '') call.name = fn.name;
    if (fn && typeof fn.arguments === 'string') call.arguments += fn.arguments;
  }
}

function validIndex(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
