import { describe, expect, it } from 'vitest';
import { StreamAssembler } from './stream-assembler.js';

describe('StreamAssembler', () => {
  it('keeps id, created and model only as strings or numbers (a log record must not carry what an upstream nested there)', () => {
    const a = new StreamAssembler();
    a.add({ id: { deep: [[[]]] }, created: [1], model: 'kimi-k2.6', choices: [{ index: 0, delta: { content: 'x' } }] });
    const result = a.result();
    expect(result.id).toBeUndefined();
    expect(result.created).toBeUndefined();
    expect(result.model).toBe('kimi-k2.6');
  });

  it('rebuilds content, reasoning and tool calls per choice', () => {
    const a = new StreamAssembler();
    const base = { id: 'c1', created: 5, model: 'kimi-k2.6' };
    a.add({ ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Think' }, finish_reason: null }] });
    a.add({ ...base, choices: [{ index: 0, delta: { reasoning_content: 'ing.' }, finish_reason: null }] });
    a.add({ ...base, choices: [{ index: 0, delta: { content: 'Hel' } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { content: 'lo' } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'f:0', type: 'function', function: { name: 'f', arguments: '{"a"' } }] } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] });
    a.add({ ...base, choices: [], usage: { prompt_tokens: 1 } });
    expect(a.result()).toEqual({
      id: 'c1',
      created: 5,
      model: 'kimi-k2.6',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Hello',
            reasoning_content: 'Thinking.',
            tool_calls: [{ id: 'f:0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
    });
  });
});

describe('StreamAssembler with the OpenAI fields a log must not lose', () => {
  it("keeps a streamed refusal (structured outputs) and the answer's annotations (web search citations)", () => {
    const a = new StreamAssembler();
    const base = { id: 'c1', created: 5, model: 'gpt-4o' };
    a.add({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: "I'm sorry, " }, finish_reason: null }] });
    a.add({ ...base, choices: [{ index: 0, delta: { refusal: 'I cannot help with that.' }, finish_reason: 'stop' }] });
    const citation = { type: 'url_citation', url_citation: { url: 'https://example.com', title: 'Example', start_index: 0, end_index: 5 } };
    a.add({ ...base, choices: [{ index: 1, delta: { role: 'assistant', content: 'Found' } }] });
    a.add({ ...base, choices: [{ index: 1, delta: { annotations: [citation] }, finish_reason: 'stop' }] });
    const [refused, cited] = a.result().choices;
    expect(refused!.message).toEqual({ role: 'assistant', content: '', refusal: "I'm sorry, I cannot help with that." });
    expect(cited!.message).toEqual({ role: 'assistant', content: 'Found', annotations: [citation] });
  });

  it('takes text given on its own (addText) in order with the chunks around it', () => {
    const base = { id: 'c1', created: 5, model: 'kimi-k2.6' };
    const whole = new StreamAssembler();
    const pieces = new StreamAssembler();
    for (const a of [whole, pieces]) a.add({ ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Think' }, finish_reason: null }] });
    whole.add({ ...base, choices: [{ index: 0, delta: { reasoning_content: 'ing.' }, finish_reason: null }] });
    pieces.addText(0, 'reasoning_content', 'ing.');
    whole.add({ ...base, choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] });
    pieces.addText(0, 'content', 'Hel');
    for (const a of [whole, pieces]) a.add({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] });
    expect(pieces.result()).toEqual(whole.result());
    expect(pieces.result().choices[0]!.message).toEqual({ role: 'assistant', content: 'Hello', reasoning_content: 'Thinking.' });
    expect(pieces.reasoningOf(0)).toBe('Thinking.');
  });
});
