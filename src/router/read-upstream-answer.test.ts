import { describe, expect, it } from 'vitest';
import type { Provider } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import { ANSWER_TOO_LARGE } from '../upstream/upstream-body.js';
import type { Deployment } from './deployments.js';
import { parseAnswer, readText } from './read-upstream-answer.js';

const deployment = {
  provider: { name: 'p', mapError: (status: number, body: string) => new GatewayError(status, `mapped: ${body}`) } as unknown as Provider,
  credential: { name: 'c', apiKey: 'sk-test-secret-1234', baseUrl: 'http://127.0.0.1:1/v1' },
} as Deployment;

function thrownBy(f: () => unknown): GatewayError | undefined {
  try {
    f();
  } catch (err) {
    return err as GatewayError;
  }
  return undefined;
}

describe('parseAnswer', () => {
  it('parses a JSON answer, `"error": null` included', () => {
    expect(parseAnswer('{"id":"x","choices":[]}', {}, deployment, false)).toEqual({ id: 'x', choices: [] });
    expect(parseAnswer('{"id":"x","error":null}', {}, deployment, false)).toEqual({ id: 'x', error: null });
  });

  it('calls a body that is not JSON a 502 and quotes its beginning', () => {
    const thrown = thrownBy(() => parseAnswer(`<html>${'x'.repeat(200)}`, {}, deployment, false));
    expect(thrown).toMatchObject({ status: 502, code: 'invalid_upstream_response' });
    expect(thrown?.message).toMatch(/^p: answered with a body that is not JSON: "<html>x+…"$/);
  });

  it('calls JSON nested too deep to log or forward safely a 502', () => {
    const thrown = thrownBy(() => parseAnswer(`{"id":"x","choices":${'['.repeat(3000)}${']'.repeat(3000)}}`, {}, deployment, false));
    expect(thrown).toMatchObject({ status: 502, code: 'invalid_upstream_response', message: 'p: answered with JSON nested more than 128 levels deep.' });
  });

  it('maps a 2xx answer holding an `error` object like an error answer with status 502', () => {
    const thrown = thrownBy(() => parseAnswer('{"error":{"message":"no"}}', {}, deployment, false));
    expect(thrown).toMatchObject({ status: 502, message: 'mapped: {"error":{"message":"no"}}' });
  });

  it('gives a 2xx answer holding an error of a known type the status that type stands for', () => {
    const cases = [
      ['invalid_request_error', 400],
      ['content_filter', 400],
      ['invalid_authentication_error', 401],
      ['resource_not_found_error', 404],
      ['rate_limit_reached_error', 429],
      ['exceeded_current_quota_error', 429],
      ['server_error', 500],
      ['something_new', 502],
    ] as const;
    for (const [type, status] of cases) {
      expect(thrownBy(() => parseAnswer(`{"error":{"message":"no","type":"${type}"}}`, {}, deployment, false))).toMatchObject({ status });
    }
    expect(thrownBy(() => parseAnswer('{"error":{"message":"no","type":7}}', {}, deployment, false))).toMatchObject({ status: 502 });
    expect(thrownBy(() => parseAnswer('{"error":"no"}', {}, deployment, false))).toMatchObject({ status: 502 });
  });
});

describe('readText', () => {
  const response = (text: () => Promise<string>) => ({ status: 500, headers: {}, body: { text } }) as unknown as UpstreamResponse;

  it('reads the body whole', async () => {
    await expect(readText(response(async () => 'busy'), 'p')).resolves.toBe('busy');
  });

  it('calls a body that breaks while being read a 502 upstream_incomplete', async () => {
    const broken = response(async () => {
      throw new Error('other side closed');
    });
    await expect(readText(broken, 'p')).rejects.toMatchObject({
      status: 502,
      code: 'upstream_incomplete',
      message: 'p: the connection broke while reading the answer (other side closed)',
    });
  });

  it('blanks the key the gateway sent out of an error an upstream echoes it in', () => {
    const err = thrownBy(() => parseAnswer('{"error":{"message":"Incorrect API key provided: sk-test-secret-1234."}}', {}, deployment, false));
    expect(err?.message).toBe('mapped: {"error":{"message":"Incorrect API key provided: [key …1234]."}}');
  });

  it('an error body past the size limit is a 502 invalid_upstream_response, not a broken connection', async () => {
    const res = { status: 500, headers: {}, body: { text: () => Promise.reject(Object.assign(new Error('too big'), { code: ANSWER_TOO_LARGE })) } } as unknown as UpstreamResponse;
    await expect(readText(res, 'p')).rejects.toMatchObject({ status: 502, code: 'invalid_upstream_response', message: expect.stringContaining('p: answered with a body larger than 128 MB') });
  });
});
