import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainAuthFailure, mapMoonshotError } from './map-error.js';
import { normalizeResponse } from './normalize-response.js';

const fixtureDir = new URL('../../../fixtures/moonshot-wire/', import.meta.url);
const fixture = (name: string): any => JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8'));
const regions = { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' };
const globalKey = { name: 'main', apiKey: 'sk-abc', baseUrl: regions.global, region: 'global' };

describe('normalizeResponse', () => {
  it('adds the cached count where OpenAI clients read it, keeping Moonshot’s', () => {
    const { body } = normalizeResponse(fixture('moonshotai-reasoning.json')) as { body: any };
    expect(body.usage.cached_tokens).toBe(10);
    expect(body.usage.prompt_tokens_details).toEqual({ cached_tokens: 10 });
    expect(body.choices[0].message.reasoning_content).toBe('Let me count the letters carefully.');
  });

  it('adds tool-call type and reports the turn for the reasoning memory', () => {
    const { body, turns } = normalizeResponse(fixture('moonshotai-metadata-live.json')) as { body: any; turns: any[] };
    expect(body.choices[0].message.tool_calls[0].type).toBe('function');
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(turns).toHaveLength(1);
    expect(turns[0].toolCalls[0].id).toBe('get_weather_0');
    expect(turns[0].reasoning.length).toBeGreaterThan(0);
  });

  it('leaves a plain answer as it was, and says so', () => {
    const original = fixture('moonshotai-text.json');
    const { body, changed } = normalizeResponse(structuredClone(original));
    expect(body).toEqual(original);
    expect(changed).toBe(false);
  });

  it('says nothing changed when the cached count is already in both places (the live kimi-k3 answers)', () => {
    const original = fixture('moonshotai-usage-live.json');
    expect(original.usage.prompt_tokens_details.cached_tokens).toBe(original.usage.cached_tokens);
    const { body, changed } = normalizeResponse(structuredClone(original));
    expect(body).toEqual(original);
    expect(changed).toBe(false);
  });

  it('says it changed the answer for each edit it makes', () => {
    expect(normalizeResponse(fixture('moonshotai-reasoning.json')).changed).toBe(true);
    // The live tool-call answer is typed already; without its type, it gets one.
    const live = fixture('moonshotai-metadata-live.json');
    expect(normalizeResponse(structuredClone(live)).changed).toBe(false);
    delete live.choices[0].message.tool_calls[0].type;
    const typed = normalizeResponse(live);
    expect(typed.changed).toBe(true);
    expect((typed.body as any).choices[0].message.tool_calls[0].type).toBe('function');
    const withoutObject = fixture('moonshotai-text.json');
    delete withoutObject.object;
    expect(normalizeResponse(withoutObject).changed).toBe(true);
    // Typed calls, but a finish reason of "stop": only the finish reason changes.
    const typedCalls = { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'stop' }] };
    const stopped = normalizeResponse(typedCalls);
    expect(stopped.changed).toBe(true);
    expect((stopped.body as typeof typedCalls).choices[0]!.finish_reason).toBe('tool_calls');
    typedCalls.choices[0]!.finish_reason = 'tool_calls';
    expect(normalizeResponse(typedCalls).changed).toBe(false);
  });
});

describe('mapMoonshotError', () => {
  it('keeps status and type and names the provider', () => {
    const raw = readFileSync(new URL('moonshotai-required-tool-choice-error.json', fixtureDir), 'utf8');
    const err = mapMoonshotError('moonshot', 400, raw, {}, globalKey, regions);
    expect(err.status).toBe(400);
    expect(err.toBody()).toEqual({
      error: { message: "moonshot: tool_choice 'required' is incompatible with thinking enabled", type: 'invalid_request_error', code: null, param: null },
    });
  });

  it('keeps a code when Moonshot sends one', () => {
    const raw = readFileSync(new URL('moonshotai-error-with-code.json', fixtureDir), 'utf8');
    expect(mapMoonshotError('moonshot', 400, raw, {}, globalKey, regions).code).toBe('invalid_parameter');
  });

  it('types message-only errors by status', () => {
    const raw = readFileSync(new URL('moonshotai-error-message-only.json', fixtureDir), 'utf8');
    const err = mapMoonshotError('moonshot', 500, raw, {}, globalKey, regions);
    expect(err.type).toBe('api_error');
    expect(err.message).toBe('moonshot: Message-only error');
  });

  it('explains a 401 with the host it went to and the other region', () => {
    const raw = JSON.stringify({ error: { message: 'Invalid Authentication', type: 'invalid_authentication_error' } });
    const err = mapMoonshotError('moonshot', 401, raw, {}, globalKey, regions);
    expect(err.status).toBe(401);
    expect(err.type).toBe('invalid_authentication_error');
    expect(err.message).toContain('rejected by api.moonshot.ai');
    expect(err.message).toContain('api.moonshot.cn');
    expect(err.message).toContain('region: cn');
    expect(err.message).not.toContain('sk-abc');
  });

  it('names whitespace in the key first when there is some', () => {
    const text = explainAuthFailure({ ...globalKey, apiKey: 'sk-abc ' }, regions);
    expect(text).toMatch(/Likely causes: the key of credential "main" contains whitespace/);
    expect(text).not.toContain('sk-abc');
  });

  it('points a China key at the global platform', () => {
    const text = explainAuthFailure({ ...globalKey, baseUrl: regions.cn }, regions);
    expect(text).toContain('rejected by api.moonshot.cn');
    expect(text).toContain('work only on api.moonshot.ai (set region: global)');
  });

  it("tells an operator whose credential has its own base_url to change that, not the region it overrides", () => {
    // MOONSHOT_REGION=cn with MOONSHOT_API_BASE=https://api.moonshot.ai/v1: the region already says cn.
    const text = explainAuthFailure({ ...globalKey, name: 'default', region: 'cn', ownBaseUrl: true }, regions);
    expect(text).toContain('work only on api.moonshot.cn (point its base_url at https://api.moonshot.cn/v1, which wins over its region (without a config file: MOONSHOT_API_BASE))');
    expect(text).not.toContain('set region');
  });

  it("explains a key the caller brought to the caller: what to change in the request, not the operator's config", () => {
    const inBody = explainAuthFailure({ ...globalKey, name: 'customer_credentials', brought: 'customer_credentials' }, regions);
    expect(inBody).toContain('The key in `customer_credentials` was rejected by api.moonshot.ai');
    expect(inBody).toContain('add `"region": "cn"` beside its api_key');
    expect(inBody).not.toContain('moongate check');
    expect(inBody).not.toContain('credential "');
    const inHeader = explainAuthFailure({ ...globalKey, name: 'caller-key', brought: 'authorization' }, regions, 'moonshot-team');
    expect(inHeader).toContain('The key sent as `Authorization: Bearer …` was rejected');
    expect(inHeader).toContain('"customer_credentials": {"moonshot-team": {"api_key": "…", "region": "cn"}}');
  });

  it('does not call a token that is no Moonshot key at all a key of the other platform', () => {
    const text = explainAuthFailure({ ...globalKey, name: 'caller-key', apiKey: 'local', brought: 'authorization' }, regions);
    expect(text).toContain('it does not look like a Moonshot API key (those start with `sk-`)');
    expect(text).not.toContain('China-platform');
  });

  it('turns "try again after N seconds" into retry-after', () => {
    const raw = JSON.stringify({
      error: { message: 'your account org-1 request reached organization max concurrency: 1, please try again after 3 seconds', type: 'rate_limit_reached_error' },
    });
    const err = mapMoonshotError('moonshot', 429, raw, {}, globalKey, regions);
    expect(err.headers['retry-after']).toBe('3');
    expect(err.type).toBe('rate_limit_reached_error');
  });

  it('marks an empty balance insufficient_quota and not worth retrying, at 429 or 403', () => {
    const raw = JSON.stringify({ error: { message: 'Your account org-1 is suspended due to insufficient balance', type: 'exceeded_current_quota_error' } });
    for (const status of [429, 403]) {
      const err = mapMoonshotError('moonshot', status, raw, {}, globalKey, regions);
      expect(err).toMatchObject({ status, type: 'exceeded_current_quota_error', code: 'insufficient_quota' });
      expect(err.headers['x-should-retry']).toBe('false');
    }
    const limited = mapMoonshotError('moonshot', 429, '{"error":{"message":"slow down","type":"rate_limit_reached_error"}}', {}, globalKey, regions);
    expect(limited.headers['x-should-retry']).toBeUndefined();
  });

  it('prefers an upstream retry-after header', () => {
    const err = mapMoonshotError('moonshot', 429, '{"error":{"message":"slow down"}}', { 'retry-after': '7' }, globalKey, regions);
    expect(err.headers['retry-after']).toBe('7');
  });

  it('reports a body that is not JSON', () => {
    const err = mapMoonshotError('moonshot', 502, '<html>bad gateway</html>', {}, globalKey, regions);
    expect(err.message).toBe('moonshot: HTTP 502: <html>bad gateway</html>');
  });

  it('marks an unknown model as model_not_found with param model, as the gateway\'s own 404 does', () => {
    const raw = readFileSync(new URL('moonshotai-error-without-code-live.json', fixtureDir), 'utf8');
    const err = mapMoonshotError('moonshot', 404, raw, {}, globalKey, regions);
    expect(err.status).toBe(404);
    expect(err.code).toBe('model_not_found');
    expect(err.param).toBe('model');
    expect(err.message).toContain('GET /v1/models');
  });

  it('says when the model Moonshot does not find is one it retired (it answers a retired id as an unknown one)', () => {
    const raw = JSON.stringify({ error: { message: 'Not found the model kimi-latest or Permission denied', type: 'resource_not_found_error' } });
    const err = mapMoonshotError('moonshot', 404, raw, {}, globalKey, regions);
    expect(err.message).toBe('moonshot: Not found the model kimi-latest or Permission denied. Moonshot retired kimi-latest on 2026-05-25 (as reported): use a current model. List the models this gateway serves with GET /v1/models.');
    const unknown = mapMoonshotError('moonshot', 404, raw.replace('kimi-latest', 'kimi-made-up'), {}, globalKey, regions);
    expect(unknown.message).not.toContain('retired');
  });

  it('marks Moonshot\'s context overflow as context_length_exceeded, as the gateway\'s own guard does', () => {
    const raw = JSON.stringify({ error: { message: 'Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)', type: 'invalid_request_error' } });
    const err = mapMoonshotError('moonshot', 400, raw, {}, globalKey, regions);
    expect(err.toBody()).toEqual({
      error: { message: 'moonshot: Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' },
    });
  });
});
