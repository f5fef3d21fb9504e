import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, FixtureStore, splitLines } from './fixtures.js';

const store = new FixtureStore();

describe('FixtureStore', () => {
  it('finds the repo fixtures relative to the package root', async () => {
    const names = await store.names();
    expect(names).toContain('moonshotai-stream-tool-calls');
    expect(names).toContain('moonshotai-usage-live');
  });

  it('serves the chunks file to a stream and the json file otherwise', async () => {
    expect((await store.replay('moonshotai-usage-live', true))?.kind).toBe('chunks');
    const json = await store.replay('moonshotai-usage-live', false);
    expect(json?.kind === 'json' && json.status).toBe(200);
  });

  it('keeps payload lines byte-exact', async () => {
    const replay = await store.replay('moonshotai-stream-tool-calls', true);
    const text = await readFile(`${FIXTURE_DIR}moonshotai-stream-tool-calls.chunks.txt`, 'utf8');
    expect(replay?.kind === 'chunks' && replay.lines).toEqual(text.trimEnd().split('\n'));
  });

  it('falls back to the only file, with its own transport', async () => {
    expect((await store.replay('moonshotai-stream-tool-calls', false))?.kind).toBe('chunks');
    expect((await store.replay('moonshotai-text', true))?.kind).toBe('json');
  });

  it('derives the status of an error body from its type', async () => {
    const status = async (name: string) => {
      const r = await store.replay(name, false);
      return r?.kind === 'json' ? r.status : undefined;
    };
    expect(await status('moonshotai-kimi-k3-temperature-rejection')).toBe(400);
    expect(await status('moonshotai-error-live-message-only')).toBe(404);
    expect(await status('moonshotai-error-message-only')).toBe(500);
  });

  it('returns undefined for unknown names (no path tricks)', async () => {
    expect(await store.replay('nope', false)).toBeUndefined();
    expect(await store.replay('../README', false)).toBeUndefined();
  });

  it('splits lines with or without a final newline', () => {
    expect(splitLines('a\nb')).toEqual(['a', 'b']);
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
  });
});
