import { request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import type { RequestOutcome } from '../../src/server/request-outcome.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * router.stream_keepalive_ms: a client, and a proxy in front of the gateway with its read timeout
 * (nginx, a load balancer: 60 s), must see bytes while a model is silent. Before the first event
 * that means committing the response early, which is only done where no first-token timeout could
 * still fail over (OpenAI's reasoning models stream nothing while they think); after it, the
 * upstream's own comments are not passed on, so the gateway sends its own.
 */
const KEEP_ALIVE_MS = 50;
const THINKING_MS = 400;
const FIRST_TOKEN_TIMEOUT_MS = 300;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', ...extra })}\n\n`;
const content = (text: string) => chunk({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
const STOP = chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });

let upstream: LoopbackUpstream;
/** Upstream calls per scenario, and whether the last call of each was closed by the gateway before it ended. */
const calls = new Map<string, number>();
const cutByGateway = new Map<string, boolean>();

/** The scenario is the last user message. */
async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve(body));
  });
  const scenario = (JSON.parse(text) as { messages: { content: string }[] }).messages.at(-1)!.content;
  const call = (calls.get(scenario) ?? 0) + 1;
  calls.set(scenario, call);
  cutByGateway.set(scenario, false);
  res.on('close', () => {
    if (!res.writableFinished) cutByGateway.set(scenario, true);
  });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
  const alive = () => !res.destroyed;
  switch (scenario) {
    case 'think':
      await sleep(THINKING_MS);
      if (alive()) res.end(content('thought it through') + STOP + 'data: [DONE]\n\n');
      return;
    case 'think briefly':
      await sleep(THINKING_MS / 2);
      if (alive()) res.end(content('quick thought') + STOP + 'data: [DONE]\n\n');
      return;
    case 'think, then break':
      await sleep(THINKING_MS / 2);
      res.destroy();
      return;
    case 'think forever':
      return;
    case 'silent once': // the first call never answers, the next at once
      if (call % 2 === 1) return;
      res.end(content('second try') + STOP + 'data: [DONE]\n\n');
      return;
    case 'pause mid-stream':
      res.write(content('first'));
      for (let i = 0; i < 6 && alive(); i++) {
        await sleep(KEEP_ALIVE_MS);
        res.write(': OPENROUTER PROCESSING\n\n');
      }
      if (alive()) res.end(content(' second') + STOP + 'data: [DONE]\n\n');
      return;
    case 'flowing':
      for (let i = 0; i < 30 && alive(); i++) {
        res.write(content(`${i} `));
        await sleep(KEEP_ALIVE_MS / 5);
      }
      if (alive()) res.end(STOP + 'data: [DONE]\n\n');
      return;
    default:
      res.end(content(`unknown scenario ${scenario}`) + STOP + 'data: [DONE]\n\n');
  }
}

interface TestGateway {
  gateway: Gateway;
  url: string;
  client: OpenAI;
  outcomes: Map<string, RequestOutcome>;
}

async function startGateway(router: string): Promise<TestGateway> {
  const outcomes = new Map<string, RequestOutcome>();
  const yaml = `
router: { ${router}, backoff_ms: 1, cooldown: { fails: 1000 } }
logging: { bodies: off }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-keepalive-0001 }
`;
  const gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}), { observers: [{ onRequestFinished: (o) => outcomes.set(o.requestId, o) }] });
  const url = await gateway.listen(0, '127.0.0.1');
  return { gateway, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 }), outcomes };
}

let on: TestGateway;
let off: TestGateway;
let shortDeadline: TestGateway;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => void answer(req, res));
  on = await startGateway(`retries: 1, first_token_timeout_ms: ${FIRST_TOKEN_TIMEOUT_MS}, stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
  off = await startGateway(`retries: 1, first_token_timeout_ms: ${FIRST_TOKEN_TIMEOUT_MS}, stream_keepalive_ms: 0`);
  shortDeadline = await startGateway(`retries: 1, timeout_ms: ${THINKING_MS}, stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
});
afterAll(async () => {
  await Promise.all([on, off, shortDeadline].map((g) => g?.gateway.close()));
  await upstream?.close();
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** ms from sending the request to its status line. */
  headersAfterMs: number;
  body: string;
}

/** A stream request over plain HTTP, to see the status line's timing and the comment bytes. */
async function rawStream(gateway: TestGateway, model: string, scenario: string): Promise<RawAnswer> {
  const sentAt = performance.now();
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: scenario }] }));
  });
  const headersAfterMs = performance.now() - sentAt;
  let body = '';
  res.on('data', (d: Buffer) => (body += d.toString()));
  await new Promise((resolve) => res.on('end', resolve));
  return { status: res.statusCode!, headers: res.headers, headersAfterMs, body };
}

async function sdkText(gateway: TestGateway, model: string, scenario: string): Promise<string> {
  let text = '';
  for await (const c of await gateway.client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: scenario }] })) {
    text += c.choices[0]?.delta.content ?? '';
  }
  return text;
}

/** The SSE blocks of a body: every one must be a whole event or a whole comment. */
function blocks(body: string): string[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body.slice(0, -2).split('\n\n');
}

const commentsIn = (body: string) => blocks(body).filter((b) => b === ': keep-alive').length;

describe('after the first event', () => {
  it('a silence gets keep-alive comments, between whole events, and the upstream’s own comments are not passed on', async () => {
    const answer = await rawStream(on, 'openai/gpt-4o', 'pause mid-stream');
    const all = blocks(answer.body);
    expect(all.every((b) => b === ': keep-alive' || b.startsWith('data: '))).toBe(true);
    const comments = all.map((b, i) => (b === ': keep-alive' ? i : -1)).filter((i) => i >= 0);
    expect(comments.length).toBeGreaterThanOrEqual(2);
    // After the first event, before the second; none after the end.
    expect(comments[0]).toBeGreaterThan(0);
    expect(Math.max(...comments)).toBeLessThan(all.indexOf('data: [DONE]'));
    expect(answer.body).not.toContain('OPENROUTER');
    expect(await sdkText(on, 'openai/gpt-4o', 'pause mid-stream')).toBe('first second');
  });

  it('a stream that flows gets none', async () => {
    const answer = await rawStream(on, 'openai/gpt-4o', 'flowing');
    expect(commentsIn(answer.body)).toBe(0);
    expect(blocks(answer.body).at(-1)).toBe('data: [DONE]');
  });

  it('router.stream_keepalive_ms: 0 sends none', async () => {
    const answer = await rawStream(off, 'openai/gpt-4o', 'pause mid-stream');
    expect(blocks(answer.body).every((b) => b.startsWith('data: '))).toBe(true);
    expect(blocks(answer.body).at(-1)).toBe('data: [DONE]');
  });
});
