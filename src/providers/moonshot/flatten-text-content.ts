import type { Adjustments } from '../adjustments.js';
import type { ChatMessage } from '../../server/validate-chat-request.js';

/**
 * Kimi's text models want `content` as a string. An array of only text parts becomes one string;
 * an array with an image or video part is kept whole, since that is how vision input travels.
 * An empty array is `""` on an assistant turn or a tool result (a turn that only called tools, a
 * tool that returned no text: OpenAI accepts both); a user's empty array is left for Moonshot to judge.
 */
export function flattenTextContent(messages: ChatMessage[], adjustments: Adjustments): ChatMessage[] {
  let flattened = 0;
  const out = messages.map((m) => {
    const text = Array.isArray(m.content) && m.content.length === 0 && (m.role === 'assistant' || m.role === 'tool') ? '' : textOnly(m.content);
    if (text === undefined) return m;
    flattened++;
    return { ...m, content: text };
  });
  if (flattened === 0) return messages;
  adjustments.add('content', `flattened(${flattened})`);
  return out;
}

function textOnly(content: unknown): string | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    if (!part || typeof part !== 'object') return undefined;
    const p = part as { type?: unknown; text?: unknown };
    if (p.type !== 'text' || typeof p.text !== 'string') return undefined;
    texts.push(p.text);
  }
  return texts.join('\n');
}
