import { describe, expect, it } from 'vitest';
import type { Provider } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { Deployment } from './deployments.js';
import { parseAnswer } from './read-upstream-answer.js';

const deployment = {
  provider: { name: 'p', mapError: (status: number, body: string) => new GatewayError(status, `mapped: ${body}`) } as unknown as Provider,
} as Deployment;

describe('parseAnswer', () => {
  it('parses a JSON answer', () => {
    expect(parseAnswer('{"id":"x","choices":[]}', {}, deployment)).toEqual({ id: 'x', choices: [] });
  });

  it('calls a body that is not JSON a 502 and quotes its beginning', () => {
    const thrown = (() => {
      try {
        parseAnswer(`<html>${'x'.repeat(200)}`, {}, deployment);
      } catch (err) {
        return err as GatewayError;
      }
    })();
    expect(thrown).toMatchObject({ status: 502, code: 'invalid_upstream_response' });
    expect(thrown?.message).toMatch(/^p: answered with a body that is not JSON: "<html>x+…"$/);
  });

  it('maps a 2xx answer holding an `error` object like an error answer', () => {
    expect(() => parseAnswer('{"error":{"message":"no"}}', {}, deployment)).toThrow('mapped: {"error":{"message":"no"}}');
  });
});
