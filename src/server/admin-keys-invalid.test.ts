import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { invalidKeyRequest } from './admin-keys-invalid.js';

const known = ['name', 'rpm'];
const schema = z.strictObject({ name: z.string(), rpm: z.number().optional() });
const refused = (body: unknown) => invalidKeyRequest(schema.safeParse(body).error!, known);

describe('invalidKeyRequest', () => {
  it('names the field meant for a misspelt one', () => {
    const err = refused({ nmae: 'x', rmp: 5 });
    expect(err.message).toBe('Invalid key request: unknown fields `nmae` (did you mean `name`?), `rmp` (did you mean `rpm`?). Known fields: name, rpm.');
    expect(err.param).toBe('nmae');
  });

  it('cuts a field too long for a guess to 64 characters, in the message and param, and guesses nothing', () => {
    const err = refused({ name: 'x', ['name'.padEnd(65, 'e')]: 1 });
    const cut = `${'name'.padEnd(64, 'e')}…`;
    expect(err.message).toBe(`Invalid key request: unknown field \`${cut}\`. Known fields: name, rpm.`);
    expect(err.param).toBe(cut);
    const longest = 'name'.padEnd(64, 'e');
    expect(refused({ name: 'x', [longest]: 1 }).message).toBe(`Invalid key request: unknown field \`${longest}\` (did you mean \`name\`?). Known fields: name, rpm.`);
  });
});
