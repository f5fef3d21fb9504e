import { describe, expect, it } from 'vitest';
import { streamsNothingWhileThinking } from './silent-reasoning.js';

describe('streamsNothingWhileThinking', () => {
  it("knows OpenAI's reasoning models, listed or not, at OpenAI or behind a compatible proxy", () => {
    for (const id of ['o1', 'o3', 'o3-mini', 'o4-mini-2025-04-16', 'o3-pro', 'gpt-5', 'gpt-5-mini', 'gpt-5.1', 'gpt-5.5', 'gpt-5-2025-08-07', 'gpt-10']) {
      expect(streamsNothingWhileThinking('openai', id), id).toBe(true);
    }
    expect(streamsNothingWhileThinking('openai-compatible', 'openai/o3')).toBe(true);
  });

  it('leaves out models that answer at once or stream their reasoning', () => {
    for (const id of ['gpt-4o', 'gpt-4.1-mini', 'gpt-5-chat-latest', 'gpt-5.1-chat-latest', 'gpt-oss-120b', 'gpt-50x', 'omni-moderation-latest', 'claude-opus-4-1', 'deepseek-reasoner', 'o']) {
      expect(streamsNothingWhileThinking('openai', id), id).toBe(false);
    }
    expect(streamsNothingWhileThinking('moonshot', 'kimi-k2-thinking')).toBe(false);
  });
});
