import { isRecord } from './json.js';

/**
 * A deterministic, cheap stand-in for Moonshot's tokenizer: about four characters per token plus
 * a small overhead per message. Images and videos count a flat amount because their base64 size
 * says nothing about what the model is billed.
 */
export const MESSAGE_OVERHEAD = 4;
export const IMAGE_TOKENS = 256;
export const VIDEO_TOKENS = 1024;
/** Tokens the chat template adds to prime the assistant's reply. */
export const REPLY_PRIMING = 3;

export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimatePromptTokens(messages: unknown[], tools?: unknown): number {
  let total = REPLY_PRIMING;
  for (const m of messages) total += messageTokens(m);
  if (Array.isArray(tools) && tools.length > 0) total += textTokens(JSON.stringify(tools));
  return total;
}

export function messageTokens(message: unknown): number {
  if (!isRecord(message)) return MESSAGE_OVERHEAD;
  let total = MESSAGE_OVERHEAD + contentTokens(message.content);
  if (typeof message.reasoning_content === 'string') total += textTokens(message.reasoning_content);
  if (typeof message.name === 'string') total += textTokens(message.name);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function)) continue;
      const { name, arguments: args } = call.function;
      if (typeof name === 'string') total += textTokens(name);
      if (typeof args === 'string') total += textTokens(args);
    }
  }
  return total;
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return textTokens(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') total += textTokens(part.text);
    else if (part.type === 'image_url') total += IMAGE_TOKENS;
    else if (part.type === 'video_url') total += VIDEO_TOKENS;
  }
  return total;
}
