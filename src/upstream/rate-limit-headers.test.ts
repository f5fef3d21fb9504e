import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from './rate-limit-headers.js';

describe('rateLimitHeaders', () => {
  it("takes OpenAI's six rate-limit headers and nothing else", () => {
    const headers = {
      'content-type': 'application/json',
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': '30000000',
      'x-ratelimit-remaining-tokens': '29999990',
      'x-ratelimit-reset-tokens': '0s',
      'x-ratelimit-limit-project-tokens': '1',
      'openai-organization': 'org-x',
      'retry-after': '3',
    };
    expect(rateLimitHeaders(headers)).toEqual({
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': '30000000',
      'x-ratelimit-remaining-tokens': '29999990',
      'x-ratelimit-reset-tokens': '0s',
    });
  });

  it('is undefined for an upstream that sends none (Moonshot)', () => {
    expect(rateLimitHeaders({ 'content-type': 'application/json', 'msh-request-id': 'abc' })).toBeUndefined();
  });

  it('takes the ones present', () => {
    expect(rateLimitHeaders({ 'x-ratelimit-remaining-tokens': '5' })).toEqual({ 'x-ratelimit-remaining-tokens': '5' });
  });

  it('leaves out a header sent twice and a value that is not printable ASCII', () => {
    expect(rateLimitHeaders({ 'x-ratelimit-limit-requests': ['10', '20'], 'x-ratelimit-remaining-requests': 'n\u00e9', 'x-ratelimit-reset-requests': '1s' })).toEqual({
      'x-ratelimit-reset-requests': '1s',
    });
  });
});
