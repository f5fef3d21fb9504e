import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import { CLIENT_TCP_KEEPALIVE_MS } from '../../src/server/http-server.js';
import type { Gateway } from '../../src/gateway.js';
import { PriceBook } from '../../src/pricing/price-book.js';
import { requestCost } from '../../src/pricing/request-cost.js';
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
const KEEP_ALIVE_MS = 200;
const THINKING_MS = 1000;
const FIRST_TOKEN_TIMEOUT_MS = 300;
const COMMENT = ': keep-alive\n\n';

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
  const alive = () => !res.destroyed;
  // An upstream (or a proxy of its own) that holds its status line back while the model thinks.
  if (scenario.startsWith('hold headers')) {
    await sleep(THINKING_MS);
    if (!alive()) return;
    if (scenario === 'hold headers, then 503') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The engine is currently overloaded (held), please try again later', type: 'server_error', code: null } }));
      return;
    }
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-ratelimit-remaining-requests': '4999' });
  res.flushHeaders();
  switch (scenario) {
    case 'think':
      await sleep(THINKING_MS);
      if (alive()) res.end(content('thought it through') + STOP + 'data: [DONE]\n\n');
      return;
    case 'hold headers, then think':
      if (alive()) res.end(content('held, then thought') + STOP + 'data: [DONE]\n\n');
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
    case 'think, then no balance': // the gateway's own credential, refused in the first event
      await sleep(THINKING_MS / 2);
      if (alive()) res.end(`data: ${JSON.stringify({ error: { message: 'You exceeded your current quota, please check your plan and billing details (org-operator).', type: 'insufficient_quota', code: 'insufficient_quota' } })}\n\n`);
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
    case 'flowing for a while': // 1.5 s of chunks 20 ms apart: past a 1 s keep-alive interval
      for (let i = 0; i < 75 && alive(); i++) {
        res.write(content(`${i} `));
        await sleep(20);
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
  const config = parseConfigText(yaml, 'test.yaml', {});
  const prices = new PriceBook(config.providers, config.pricing);
  const gateway = createGateway(config, { observers: [{ onRequestFinished: (o) => outcomes.set(o.requestId, o) }], priceRequest: (input) => requestCost(prices, input) });
  const url = await gateway.listen(0, '127.0.0.1');
  return { gateway, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 }), outcomes };
}

let on: TestGateway;
let off: TestGateway;
let shortDeadline: TestGateway;
/** Keep-alives every second: a test of "no comment while bytes flow" that a loaded machine's stalls cannot fail. */
let everySecond: TestGateway;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => void answer(req, res));
  on = await startGateway(`retries: 1, first_token_timeout_ms: ${FIRST_TOKEN_TIMEOUT_MS}, stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
  off = await startGateway(`retries: 1, first_token_timeout_ms: ${FIRST_TOKEN_TIMEOUT_MS}, stream_keepalive_ms: 0`);
  shortDeadline = await startGateway(`retries: 1, timeout_ms: ${THINKING_MS}, stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
  everySecond = await startGateway(`retries: 1, first_token_timeout_ms: ${FIRST_TOKEN_TIMEOUT_MS}, stream_keepalive_ms: 1000`);
});
afterAll(async () => {
  await Promise.all([on, off, shortDeadline, everySecond].map((g) => g?.gateway.close()));
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

/** The two durations of Moongate's `server-timing: gateway;dur=…, upstream;dur=…`. */
function serverTiming(headers: IncomingHttpHeaders): { gateway: number; upstream: number } {
  const match = /^gateway;dur=([\d.]+), upstream;dur=([\d.]+)$/.exec(String(headers['server-timing']));
  expect(match).not.toBeNull();
  return { gateway: Number(match![1]), upstream: Number(match![2]) };
}

const commentsIn = (body: string) => blocks(body).filter((b) => b === ': keep-alive').length;

async function outcomeOf(gateway: TestGateway, requestId: string): Promise<RequestOutcome> {
  await expect.poll(() => gateway.outcomes.has(requestId)).toBe(true);
  return gateway.outcomes.get(requestId)!;
}

describe('before the first event: a model that streams nothing while it thinks', () => {
  it('gets its status line, the route headers and keep-alive comments at once, then its answer', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/o3', 'think');
    expect(answer.status).toBe(200);
    expect(answer.headersAfterMs).toBeLessThan(THINKING_MS - KEEP_ALIVE_MS);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers).toMatchObject({ 'x-moongate-provider': 'openai', 'x-moongate-model': 'o3', 'x-moongate-attempts': '1' });
    expect(answer.headers['x-moongate-request-id']).toBeDefined();
    // The upstream had answered when the response was committed: its rate-limit headers go too.
    expect(answer.headers['x-ratelimit-remaining-requests']).toBe('4999');
    const all = blocks(answer.body);
    // Comments first (several: every interval), then the events as the upstream sent them.
    const firstEvent = all.findIndex((b) => b.startsWith('data: '));
    expect(firstEvent).toBeGreaterThanOrEqual(2);
    expect(all.slice(0, firstEvent).every((b) => b === ': keep-alive')).toBe(true);
    expect(all.slice(firstEvent).every((b) => b.startsWith('data: '))).toBe(true);
    expect(all.at(-1)).toBe('data: [DONE]');
    expect(calls.get('think')).toBe(1);

    const outcome = await outcomeOf(on, answer.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, error: undefined, clientClosed: false });
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.attempts[0]).toMatchObject({ provider: 'openai', model: 'o3', status: 200 });
    expect(outcome.attempts[0]!.error_type).toBeUndefined();
  });

  it("says in server-timing that the wait before the commit was the upstream's, not the gateway's own time", async () => {
    const answer = await rawStream(on, 'openai/o3', 'think');
    const { gateway, upstream } = serverTiming(answer.headers);
    // The commit came a keep-alive interval after the upstream's headers: all of it spent waiting for the model.
    expect(upstream).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 5);
    expect(gateway).toBeLessThan(upstream);
  });

  it('reads as an ordinary stream with the official SDK', async () => {
    expect(await sdkText(on, 'openai/o3', 'think')).toBe('thought it through');
  });

  it('is not committed early with router.stream_keepalive_ms: 0 (as before: nothing until the first event)', async () => {
    const answer = await rawStream(off, 'openai/o3', 'think');
    expect(answer.status).toBe(200);
    expect(answer.headersAfterMs).toBeGreaterThanOrEqual(THINKING_MS - 10);
    expect(blocks(answer.body).every((b) => b.startsWith('data: '))).toBe(true);
    // The model's time to its first event is the upstream's in server-timing too.
    const { gateway, upstream } = serverTiming(answer.headers);
    expect(upstream).toBeGreaterThanOrEqual(THINKING_MS - 10);
    expect(gateway).toBeLessThan(THINKING_MS / 2);
  });
});

describe('before the first event: an upstream that holds its headers back while the model thinks', () => {
  it('still gets the client its status line and keep-alive comments at once, then its answer', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/o3', 'hold headers, then think');
    expect(answer.status).toBe(200);
    expect(answer.headersAfterMs).toBeLessThan(THINKING_MS - KEEP_ALIVE_MS);
    expect(answer.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'x-moongate-provider': 'openai', 'x-moongate-model': 'o3', 'x-moongate-attempts': '1' });
    // Committed before the upstream answered: its rate-limit headers came too late to go along.
    expect(answer.headers['x-ratelimit-remaining-requests']).toBeUndefined();
    const all = blocks(answer.body);
    const firstEvent = all.findIndex((b) => b.startsWith('data: '));
    expect(firstEvent).toBeGreaterThanOrEqual(2);
    expect(all.slice(0, firstEvent).every((b) => b === ': keep-alive')).toBe(true);
    expect(all.at(-1)).toBe('data: [DONE]');
    expect(calls.get('hold headers, then think')).toBe(1);
    const outcome = await outcomeOf(on, answer.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, error: undefined, clientClosed: false });
    expect(outcome.attempts[0]).toMatchObject({ model: 'o3', status: 200 });
    expect(await sdkText(on, 'openai/o3', 'hold headers, then think')).toBe('held, then thought');
  });

  it('ends with the upstream\'s error as an error event when the held answer is an error, not retried', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/o3', 'hold headers, then 503');
    expect(answer.status).toBe(200);
    expect(commentsIn(answer.body)).toBeGreaterThanOrEqual(1);
    const error = JSON.parse(blocks(answer.body).at(-1)!.slice('data: '.length)).error;
    expect(error.message).toContain('The engine is currently overloaded (held)');
    expect(answer.body).not.toContain('[DONE]');
    // retries: 1, but the client already has this attempt's 200.
    expect(calls.get('hold headers, then 503')).toBe(1);
    const outcome = await outcomeOf(on, answer.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, clientClosed: false, cost: { total_usd: 0 } });
    expect(outcome.error!.message).toContain('The engine is currently overloaded (held)');
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.attempts[0]).toMatchObject({ model: 'o3', status: 503 });
  });

  it('is not committed early with router.stream_keepalive_ms: 0, and a held error is retried unseen', async () => {
    calls.clear();
    const answer = await rawStream(off, 'openai/o3', 'hold headers, then think');
    expect(answer.headersAfterMs).toBeGreaterThanOrEqual(THINKING_MS - 10);
    expect(blocks(answer.body).every((b) => b.startsWith('data: '))).toBe(true);
    const failed = await rawStream(off, 'openai/o3', 'hold headers, then 503');
    expect(failed.status).toBe(503);
    expect(calls.get('hold headers, then 503')).toBe(2);
  });

  it('is not committed early where a first-token timeout is pending: that timeout covers the wait for headers too', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/gpt-4o', 'hold headers, then think');
    expect(answer.status).not.toBe(200);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(answer.body).not.toContain(': keep-alive');
    expect(calls.get('hold headers, then think')).toBe(2);
  });
});

describe('before the first event: a model with a first-token timeout pending', () => {
  it('is not committed early, so that the timeout still fails over unseen', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/gpt-4o', 'silent once');
    expect(answer.status).toBe(200);
    expect(answer.headersAfterMs).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 10);
    expect(answer.headers['x-moongate-attempts']).toBe('2');
    expect(answer.body.startsWith('data: ')).toBe(true);
    expect(answer.body).toContain('second try');
    expect(calls.get('silent once')).toBe(2);
  });
});

describe('before the first event: a model whose first-token timeout could only fire after the deadline', () => {
  it('is committed early too: that timeout could fail over to nothing', async () => {
    // shortDeadline: timeout_ms ${THINKING_MS}, first_token_timeout_ms at its default (20 s).
    const answer = await rawStream(shortDeadline, 'openai/gpt-4o', 'think briefly');
    expect(answer.status).toBe(200);
    expect(answer.headersAfterMs).toBeLessThan(THINKING_MS / 2);
    expect(blocks(answer.body)[0]).toBe(': keep-alive');
    expect(answer.body).toContain('quick thought');
    expect(blocks(answer.body).at(-1)).toBe('data: [DONE]');
  });
});

describe('a stream committed early that fails before its first event', () => {
  it('ends with an OpenAI error event, is not retried, and is logged as the 200 the client got, with the error and the attempt', async () => {
    calls.clear();
    const answer = await rawStream(on, 'openai/o3', 'think, then break');
    expect(answer.status).toBe(200);
    expect(commentsIn(answer.body)).toBeGreaterThanOrEqual(1);
    const last = blocks(answer.body).at(-1)!;
    expect(last.startsWith('data: {"error"')).toBe(true);
    const error = JSON.parse(last.slice('data: '.length)).error;
    expect(error).toMatchObject({ type: 'api_error', code: 'upstream_incomplete' });
    expect(error.message).toMatch(/^openai: the connection broke before the first event/);
    expect(answer.body).not.toContain('[DONE]');
    // retries: 1, but the client already has this attempt's 200.
    expect(calls.get('think, then break')).toBe(1);

    const outcome = await outcomeOf(on, answer.headers['x-moongate-request-id'] as string);
    expect(outcome.status).toBe(200);
    expect(outcome.clientClosed).toBe(false);
    expect(outcome.error).toMatchObject({ type: 'api_error', code: 'upstream_incomplete' });
    expect(outcome.error!.message).toMatch(/^openai: the connection broke before the first event/);
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.attempts[0]).toMatchObject({ model: 'o3', status: 200, error_type: 'api_error' });
  });

  it('costs 0 like the same failure not committed early: no answer, no usage, nothing the provider bills (not an unpriced request)', async () => {
    const committed = await rawStream(on, 'openai/o3', 'think, then break');
    expect(commentsIn(committed.body)).toBeGreaterThanOrEqual(1);
    const unseen = await rawStream(off, 'openai/o3', 'think, then break');
    expect(unseen.status).toBe(502);
    const before = await outcomeOf(off, unseen.headers['x-moongate-request-id'] as string);
    expect(before.cost).toMatchObject({ total_usd: 0 });
    const outcome = await outcomeOf(on, committed.headers['x-moongate-request-id'] as string);
    expect(outcome.usage).toBeUndefined();
    expect(outcome.cost).toEqual(before.cost);
  });

  it("tells a refusal of the gateway's own credential as giving up would (the operator's to fix), not in the upstream's words", async () => {
    // A gateway of its own: the refusal disables its one credential for a while.
    const refused = await startGateway(`retries: 1, stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
    const answer = await rawStream(refused, 'openai/o3', 'think, then no balance').finally(() => refused.gateway.close());
    expect(commentsIn(answer.body)).toBeGreaterThanOrEqual(1);
    const error = JSON.parse(blocks(answer.body).at(-1)!.slice('data: '.length)).error;
    expect(error).toMatchObject({ type: 'api_error', code: 'upstream_credentials_refused' });
    expect(error.message).not.toContain('org-operator');
    const outcome = await outcomeOf(refused, answer.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, error: { code: 'upstream_credentials_refused' } });
    // The attempt keeps what the upstream said, for the operator.
    expect(outcome.attempts[0]!.error_message).toContain('exceeded your current quota');
  });

  it('reaches the official SDK as an error thrown by the stream', async () => {
    const err: any = await sdkText(on, 'openai/o3', 'think, then break').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toMatch(/the connection broke before the first event/);
  });

  it('ends with the request-timeout error event when the deadline passes during the comments', async () => {
    const answer = await rawStream(shortDeadline, 'openai/o3', 'think forever');
    expect(answer.status).toBe(200);
    expect(commentsIn(answer.body)).toBeGreaterThanOrEqual(1);
    const error = JSON.parse(blocks(answer.body).at(-1)!.slice('data: '.length)).error;
    expect(error).toMatchObject({ type: 'timeout_error', code: 'request_timeout' });
    await expect.poll(() => cutByGateway.get('think forever')).toBe(true);
    const outcome = await outcomeOf(shortDeadline, answer.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, error: { type: 'timeout_error', code: 'request_timeout' } });
  });
});

describe('a client that goes away while only comments were sent', () => {
  it('has its upstream request aborted, and the log says the client closed', async () => {
    calls.clear();
    const { requestId, sawComment } = await new Promise<{ requestId: string; sawComment: boolean }>((resolve, reject) => {
      const req = request(`${on.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', (d: Buffer) => {
          req.destroy();
          resolve({ requestId: res.headers['x-moongate-request-id'] as string, sawComment: d.toString() === COMMENT });
        });
      });
      req.on('error', () => {});
      req.on('close', () => reject(new Error('closed before any byte')));
      req.end(JSON.stringify({ model: 'openai/o3', stream: true, messages: [{ role: 'user', content: 'think forever' }] }));
    });
    expect(sawComment).toBe(true);
    await expect.poll(() => cutByGateway.get('think forever')).toBe(true);
    const outcome = await outcomeOf(on, requestId);
    expect(outcome).toMatchObject({ status: 499, clientClosed: true, error: { type: 'client_closed_request' } });
    expect(calls.get('think forever')).toBe(1);
  });
});

describe('a shutdown past its drain time while only comments were sent', () => {
  it('ends the stream with the shutdown error event, and logs it as such', async () => {
    const closing = await startGateway(`stream_keepalive_ms: ${KEEP_ALIVE_MS}`);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${closing.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'openai/o3', stream: true, messages: [{ role: 'user', content: 'think forever' }] }));
    });
    let body = '';
    res.on('data', (d: Buffer) => (body += d.toString()));
    const ended = new Promise((resolve) => res.on('end', resolve));
    await expect.poll(() => body).toContain(COMMENT);
    await closing.gateway.close(KEEP_ALIVE_MS);
    await ended;
    const error = JSON.parse(blocks(body).at(-1)!.slice('data: '.length)).error;
    expect(error).toMatchObject({ code: 'gateway_shutting_down' });
    expect(error.message).toMatch(/^Moongate: the gateway is shutting down/);
    const outcome = await outcomeOf(closing, res.headers['x-moongate-request-id'] as string);
    expect(outcome).toMatchObject({ status: 200, clientClosed: false, error: { code: 'gateway_shutting_down' } });
  });
});

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

  it('a stream that flows gets none, however long it lasts', async () => {
    // Longer than the interval, with bytes far more often: a timer that ignored the writes would
    // send one at 1 s. (At a 50 ms interval a stall of the loaded test machine sent one.)
    const answer = await rawStream(everySecond, 'openai/gpt-4o', 'flowing for a while');
    expect(commentsIn(answer.body)).toBe(0);
    expect(blocks(answer.body).at(-1)).toBe('data: [DONE]');
  });

  it('router.stream_keepalive_ms: 0 sends none', async () => {
    const answer = await rawStream(off, 'openai/gpt-4o', 'pause mid-stream');
    expect(blocks(answer.body).every((b) => b.startsWith('data: '))).toBe(true);
    expect(blocks(answer.body).at(-1)).toBe('data: [DONE]');
  });
});

describe('a JSON answer from a silent model: the client connection', () => {
  /** The gateway's end of each established client connection to `port`, from Linux's socket table. */
  function gatewaySockets(port: number): { timer: string; when: number }[] {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(hex) && f[3] === '01')
      .map((f) => {
        const [timer, when] = f[5]!.split(':');
        return { timer: timer!, when: parseInt(when!, 16) };
      });
  }

  it.runIf(process.platform === 'linux')('gets TCP keep-alive probes, so a NAT between client and gateway does not drop it while the model thinks', async () => {
    const agent = new Agent({ keepAlive: true });
    const port = Number(new URL(on.url).port);
    try {
      await new Promise<void>((resolve, reject) => {
        request(`${on.url}/health/live`, { agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject).end();
      });
      const sockets = gatewaySockets(port);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
      // Timer 2 is the keep-alive timer, due within the configured idle time (jiffies: 100 to 1000 a second).
      for (const socket of sockets) {
        expect(socket.timer).toBe('02');
        expect(socket.when).toBeGreaterThan(0);
        expect(socket.when).toBeLessThanOrEqual((CLIENT_TCP_KEEPALIVE_MS / 1000) * 1000);
      }
    } finally {
      agent.destroy();
    }
  });
});
