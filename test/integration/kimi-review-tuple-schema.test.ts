import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, upstreamBody } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/**
 * Moonshot's schema validator takes `items` only as one schema: the tuple form that draft-07 tools
 * write (zod v3 `z.tuple`, hand-written schemas) is rejected (moonshotai-issue-19544-rejected:
 * "items must be an object"), and the same tuple as `prefixItems` is accepted
 * (moonshotai-issue-19544-accepted). Both forms mean the same.
 */
describe('a json_schema response format with tuple-form items', () => {
  it('is answered, with the tuple sent as prefixItems', async () => {
    const schema = {
      type: 'object',
      properties: {
        pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
        rows: { type: 'array', items: { type: 'array', items: [{ type: 'integer' }, { type: 'boolean' }] } },
      },
      required: ['pair', 'rows'],
      additionalProperties: false,
    };
    const { data, response } = await stack.client.chat.completions
      .create({
        model: 'moonshot/kimi-k2.6',
        messages: [{ role: 'user', content: 'a named pair' }],
        response_format: { type: 'json_schema', json_schema: { name: 'tuple_response', strict: true, schema } },
      })
      .withResponse();
    const answer = JSON.parse(data.choices[0]!.message.content!) as { pair: unknown[] };
    expect(answer.pair).toEqual([expect.any(String), expect.any(Number)]);
    const sent = upstreamBody(stack.sim).response_format.json_schema.schema;
    expect(sent.properties.pair).toEqual({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] });
    expect(sent.properties.rows.items).toEqual({ type: 'array', prefixItems: [{ type: 'integer' }, { type: 'boolean' }] });
    expect(response.headers.get('x-moongate-adjusted')).toContain('response_format=tuple_items->prefixItems(2)');
  });

  it('leaves a schema without tuples byte for byte', async () => {
    const schema = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } }, required: ['tags'] };
    const { response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'tags' }], response_format: { type: 'json_schema', json_schema: { name: 't', schema } } })
      .withResponse();
    expect(upstreamBody(stack.sim).response_format.json_schema.schema).toEqual(schema);
    expect(response.headers.get('x-moongate-adjusted') ?? '').not.toContain('response_format');
  });
});
