import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalogue/catalogue.js';
import { Adjustments } from '../adjustments.js';
import { chooseMaxTokensParam } from './choose-max-tokens-param.js';
import { fitSampling } from './fit-sampling.js';
import { flattenTextContent } from './flatten-text-content.js';
import { mapDeveloperRole } from './map-developer-role.js';
import { isThinkingOn } from './thinking-state.js';
import { workAroundForcedToolChoice } from './work-around-forced-tool-choice.js';

const k26 = findModel('moonshot', 'kimi-k2.6')!;
const k3 = findModel('moonshot', 'kimi-k3')!;
const v1 = findModel('moonshot', 'moonshot-v1-8k')!;
const k2 = findModel('moonshot', 'kimi-k2-0905-preview')!;

describe('isThinkingOn', () => {
  it('follows the catalogue and the request', () => {
    expect(isThinkingOn(k26, {})).toBe(true);
    expect(isThinkingOn(k26, { thinking: { type: 'disabled' } })).toBe(false);
    expect(isThinkingOn(k3, { thinking: { type: 'disabled' } })).toBe(true);
    expect(isThinkingOn(v1, { thinking: { type: 'enabled' } })).toBe(false);
  });
  it('is unknown for models the catalogue lacks, unless the request says', () => {
    expect(isThinkingOn(undefined, {})).toBeUndefined();
    expect(isThinkingOn(undefined, { thinking: { type: 'enabled' } })).toBe(true);
  });
});

describe('mapDeveloperRole', () => {
  it('maps developer to system and notes it', () => {
    const adj = new Adjustments();
    const out = mapDeveloperRole([{ role: 'developer', content: 'be brief' }, { role: 'user', content: 'hi' }], adj);
    expect(out.map((m) => m.role)).toEqual(['system', 'user']);
    expect(adj.list()).toEqual(['developer_role=system']);
  });
  it('returns the same array when there is nothing to do', () => {
    const adj = new Adjustments();
    const messages = [{ role: 'user', content: 'hi' }];
    expect(mapDeveloperRole(messages, adj)).toBe(messages);
    expect(adj.list()).toEqual([]);
  });
});

describe('chooseMaxTokensParam', () => {
  it('renames max_tokens to max_completion_tokens for Kimi families', () => {
    const adj = new Adjustments();
    const body: Record<string, unknown> = { max_tokens: 100 };
    chooseMaxTokensParam(body, k26, adj);
    expect(body).toEqual({ max_completion_tokens: 100 });
    expect(adj.list()).toEqual(['max_tokens=max_completion_tokens']);
  });
  it('renames max_completion_tokens to max_tokens for moonshot-v1', () => {
    const body: Record<string, unknown> = { max_completion_tokens: 50 };
    chooseMaxTokensParam(body, v1, new Adjustments());
    expect(body).toEqual({ max_tokens: 50 });
  });
  it('sends max_completion_tokens when both are sent, whatever name the family wants', () => {
    const adj = new Adjustments();
    const body: Record<string, unknown> = { max_tokens: 10, max_completion_tokens: 20 };
    chooseMaxTokensParam(body, k26, adj);
    expect(JSON.parse(JSON.stringify(body))).toEqual({ max_completion_tokens: 20 });
    expect(adj.list()).toEqual(['max_tokens=dropped(max_completion_tokens wins)']);
    // moonshot-v1 knows only max_tokens: it gets max_completion_tokens's value under that name.
    const oldAdj = new Adjustments();
    const old: Record<string, unknown> = { max_tokens: 10, max_completion_tokens: 20 };
    chooseMaxTokensParam(old, v1, oldAdj);
    expect(JSON.parse(JSON.stringify(old))).toEqual({ max_tokens: 20 });
    expect(oldAdj.list()).toEqual(['max_completion_tokens=max_tokens', 'max_tokens=10->20(max_completion_tokens wins)']);
  });
  it('treats null as not sent', () => {
    const body: Record<string, unknown> = { max_tokens: 10, max_completion_tokens: null };
    chooseMaxTokensParam(body, k26, new Adjustments());
    expect(JSON.parse(JSON.stringify(body))).toEqual({ max_completion_tokens: 10 });
  });
  it('leaves unknown models alone', () => {
    const body: Record<string, unknown> = { max_tokens: 10 };
    chooseMaxTokensParam(body, undefined, new Adjustments());
    expect(body).toEqual({ max_tokens: 10 });
  });
});

describe('fitSampling', () => {
  it('caps temperature above 1', () => {
    const adj = new Adjustments();
    const body: Record<string, unknown> = { temperature: 1.7 };
    fitSampling(body, k2, false, adj);
    expect(body.temperature).toBe(1);
    expect(adj.list()).toEqual(['temperature=1.7->1']);
  });
  it('raises a low temperature to 0.3 when n > 1', () => {
    const body: Record<string, unknown> = { temperature: 0.1, n: 3 };
    fitSampling(body, k2, false, new Adjustments());
    expect(body.temperature).toBe(0.3);
  });
  it("uses the model's default temperature when n > 1 and none is sent", () => {
    const body: Record<string, unknown> = { n: 2 };
    fitSampling(body, v1, false, new Adjustments());
    expect(body.temperature).toBe(0.3);
  });
  it('drops sampling values a fixed-sampling family would reject', () => {
    const adj = new Adjustments();
    const body: Record<string, unknown> = { temperature: 0.2, top_p: 0.5, n: 1, presence_penalty: 0.5, frequency_penalty: 0 };
    fitSampling(body, k26, true, adj);
    expect(body).toEqual({ n: 1, frequency_penalty: 0 });
    expect(adj.list()).toEqual([
      'temperature=dropped(fixed by model)',
      'top_p=dropped(fixed by model)',
      'presence_penalty=dropped(fixed by model)',
    ]);
  });
  it('keeps the value the model allows for its thinking state', () => {
    const on: Record<string, unknown> = { temperature: 1 };
    fitSampling(on, k26, true, new Adjustments());
    expect(on.temperature).toBe(1);
    const off: Record<string, unknown> = { temperature: 0.6 };
    fitSampling(off, k26, false, new Adjustments());
    expect(off.temperature).toBe(0.6);
    const offWrong: Record<string, unknown> = { temperature: 1 };
    fitSampling(offWrong, k26, false, new Adjustments());
    expect(offWrong.temperature).toBeUndefined();
  });
  it('drops any kimi-k3 temperature but 1, and leaves its other fields', () => {
    const body: Record<string, unknown> = { temperature: 0.7, top_p: 0.9 };
    fitSampling(body, k3, true, new Adjustments());
    expect(body).toEqual({ top_p: 0.9 });
  });
});

describe('workAroundForcedToolChoice', () => {
  const tools = [
    { type: 'function', function: { name: 'get_weather', parameters: {} } },
    { type: 'function', function: { name: 'get_time', parameters: {} } },
  ];

  it('turns "required" into an instruction when thinking is on', () => {
    const adj = new Adjustments();
    const body: Record<string, unknown> = { messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: 'required' };
    workAroundForcedToolChoice(body, k26, true, adj);
    expect(body.tool_choice).toBeUndefined();
    expect(body.tools).toBe(tools);
    expect(body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'Please select a tool to handle the current issue.' },
    ]);
    expect(adj.list()).toEqual(['tool_choice=required->instruction']);
  });

  it('narrows tools to a named tool', () => {
    const body: Record<string, unknown> = {
      messages: [{ role: 'user', content: 'hi' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    };
    workAroundForcedToolChoice(body, k26, true, new Adjustments());
    expect(body.tool_choice).toBeUndefined();
    expect(body.tools).toEqual([tools[1]]);
    expect((body.messages as unknown[]).at(-1)).toEqual({ role: 'user', content: 'Please use the tool "get_time" to handle the current issue.' });
  });

  it('refuses a named tool that is not in tools (it would become an instruction any tool could answer)', () => {
    for (const request of [{ tools }, {}]) {
      const body: Record<string, unknown> = { messages: [{ role: 'user', content: 'hi' }], ...request, tool_choice: { type: 'function', function: { name: 'nope' } } };
      expect(() => workAroundForcedToolChoice(body, k26, true, new Adjustments())).toThrow(
        expect.objectContaining({ status: 400, param: 'tool_choice', message: '`tool_choice` names the function "nope", which is not in `tools`.' }),
      );
    }
  });

  it('leaves models that accept forcing, and thinking-off requests, alone', () => {
    const k3Body: Record<string, unknown> = { messages: [], tools, tool_choice: 'required' };
    workAroundForcedToolChoice(k3Body, k3, true, new Adjustments());
    expect(k3Body.tool_choice).toBe('required');
    const offBody: Record<string, unknown> = { messages: [], tools, tool_choice: 'required' };
    workAroundForcedToolChoice(offBody, k26, false, new Adjustments());
    expect(offBody.tool_choice).toBe('required');
  });

  it('leaves auto and none alone', () => {
    const body: Record<string, unknown> = { messages: [], tools, tool_choice: 'auto' };
    workAroundForcedToolChoice(body, k26, true, new Adjustments());
    expect(body.tool_choice).toBe('auto');
  });
});

describe('flattenTextContent', () => {
  it('joins text-only arrays into a string', () => {
    const adj = new Adjustments();
    const out = flattenTextContent(
      [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
      adj,
    );
    expect(out[0]!.content).toBe('a\nb');
    expect(adj.list()).toEqual(['content=flattened(1)']);
  });
  it('keeps arrays with an image or video part whole', () => {
    const content = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ];
    const out = flattenTextContent([{ role: 'user', content }], new Adjustments());
    expect(out[0]!.content).toBe(content);
  });
  it('makes an empty array "" on assistant turns and tool results', () => {
    const adj = new Adjustments();
    const out = flattenTextContent(
      [
        { role: 'assistant', content: [], tool_calls: [{ id: 'f_0', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'f_0', content: [] },
      ],
      adj,
    );
    expect(out.map((m) => m.content)).toEqual(['', '']);
    expect(adj.list()).toEqual(['content=flattened(2)']);
  });
  it('leaves strings and empty arrays alone', () => {
    const messages = [{ role: 'user', content: 'hi' }, { role: 'user', content: [] }];
    expect(flattenTextContent(messages, new Adjustments())).toBe(messages);
  });
});
