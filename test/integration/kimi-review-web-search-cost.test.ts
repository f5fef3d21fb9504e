import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/**
 * Moonshot bills `$web_search` per call ($0.004). With response bodies not logged, a streamed
 * answer is not rebuilt for the log, and the call must still be counted.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
logging: { bodies: off }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
`,
  });
});
afterAll(() => stack.close());

const webSearch = [{ type: 'builtin_function', function: { name: '$web_search' } }] as never;

describe('a $web_search call is billed with response bodies not logged', () => {
  it.each([false, true])('stream: %s', async (stream) => {
    const messages = [{ role: 'user' as const, content: `search the web for the news (stream ${stream})` }];
    // Thinking off: the documented way to use $web_search on kimi-k2.6.
    const request = { model: 'moonshot/kimi-k2.6', messages, tools: webSearch, thinking: { type: 'disabled' } };
    let calls = 0;
    if (stream) {
      const s = await stack.client.chat.completions.create({ ...request, stream: true } as never as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
      for await (const chunk of s) calls += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
    } else {
      const r = await stack.client.chat.completions.create(request as never as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
      calls = r.choices[0]!.message.tool_calls?.length ?? 0;
    }
    expect(calls).toBeGreaterThan(0);
    await stack.flush();
    const record = (await allLogs(stack)).find((r) => r.stream === stream);
    expect(record.cost_details).toMatchObject({ web_search_calls: 1, web_search_usd: 0.004 });
  });
});
