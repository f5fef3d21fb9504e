import { mkdtempSync, rmSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logEntry } from '../../test/helpers/log-entry.js';
import { Spool } from './spool.js';

/**
 * Two gateways on one store share its spool file. One appends while the other replays: the
 * replay moves the file aside, reads it to the end and deletes it. An append that had opened the
 * file just before it was moved wrote into the moved file after it had been read, and its
 * records were deleted with it.
 */

/** When set, runs once right after the next append opens its file, before it writes. */
const hooks = vi.hoisted(() => ({ afterAppendOpen: undefined as undefined | (() => Promise<void>) }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    const hook = hooks.afterAppendOpen;
    if (args[1] === 'a+' && hook) {
      hooks.afterAppendOpen = undefined;
      await hook();
    }
    return handle;
  };
  return { ...fs, open, default: { ...fs, open } };
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  hooks.afterAppendOpen = undefined;
});

describe('a spool shared by two gateways', () => {
  it('loses no record appended while the other gateway replays the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-shared-'));
    const path = join(dir, 'logs.spool.jsonl');
    const replaying = new Spool(path);
    const appending = new Spool(path);
    await replaying.append([logEntry({ id: 'first' })]);

    const stored = new Set<string>();
    const insert = async (batch: { id: string }[]) => (batch.forEach((e) => stored.add(e.id)), batch.length);
    // The other gateway's whole replay runs between this append's open and its write.
    hooks.afterAppendOpen = async () => {
      await replaying.replay(insert, { batchSize: 10 });
    };
    await appending.append([logEntry({ id: 'second' })]);
    expect(hooks.afterAppendOpen).toBeUndefined();

    await replaying.replay(insert, { batchSize: 10 });
    await appending.replay(insert, { batchSize: 10 });
    expect([...stored].sort()).toEqual(['first', 'second']);
  });
});
