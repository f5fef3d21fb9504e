import { toOpenAIUsage } from './convert-usage.js';
import { toolCallRefs } from './restore-reasoning-content.js';
import type { CompletedTurn } from './transform-stream.js';

type Json = Record<string, unknown>;

/**
 * A Moonshot `chat.completion` → OpenAI's, changing only what clients trip on: usage's cached
 * count in OpenAI's place, `type` on tool calls, and `finish_reason: "tool_calls"` when the
 * message does call tools. Returns the assistant turns that called tools, for the reasoning memory,
 * and whether anything changed: an answer left as it was is sent to the client as Moonshot's own
 * bytes, without serializing it again.
 */
export function normalizeResponse(body: unknown): { body: unknown; turns: CompletedTurn[]; changed: boolean } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { body, turns: [], changed: false };
  const obj = body as Json;
  let changed = false;
  if (obj.object === undefined) {
    obj.object = 'chat.completion';
    changed = true;
  }
  if (obj.usage !== undefined) {
    const usage = toOpenAIUsage(obj.usage);
    if (usage !== obj.usage) {
      obj.usage = usage;
      changed = true;
    }
  }

  const turns: CompletedTurn[] = [];
  const choices = Array.isArray(obj.choices) ? (obj.choices as unknown[]) : [];
  for (const raw of choices) {
    if (!raw || typeof raw !== 'object') continue;
    const choice = raw as Json;
    const message = choice.message as Json | undefined;
    if (!message || typeof message !== 'object' || !Array.isArray(message.tool_calls) || message.tool_calls.length === 0) {
      continue;
    }
    for (const call of message.tool_calls as Json[]) {
      if (call && typeof call === 'object' && call.type === undefined) {
        call.type = 'function';
        changed = true;
      }
    }
    if (choice.finish_reason === 'stop') {
      choice.finish_reason = 'tool_calls';
      changed = true;
    }
    const reasoning = typeof message.reasoning_content === 'string' ? message.reasoning_content : '';
    turns.push({ toolCalls: toolCallRefs(message.tool_calls), reasoning });
  }
  return { body: obj, turns, changed };
}
