import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logEntry } from '../../test/helpers/log-entry.js';
import { textToHold } from './bodies/json-text.js';
import type { LogEntry } from './log-record.js';
import { Spool } from './spool.js';

/** When set, the next append through a file handle writes this many bytes, then fails as a full disk does. */
const disk = vi.hoisted(() => ({ fullAfter: undefined as number | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  /** Writes `data` through `write`, or only its first `disk.fullAfter` bytes and then fails. */
  const filling = async (data: string, write: (data: string | Buffer) => Promise<void>) => {
    const room = disk.fullAfter;
    if (room === undefined) return write(data);
    disk.fullAfter = undefined;
    await write(Buffer.from(data).subarray(0, room));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  const appendFile = (file: string, data: string, options?: object) => filling(data, (d) => fs.appendFile(file, d, options));
  const open = async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
    const handle = await fs.open(...args);
    const append = (data: string) => filling(data, (d) => handle.appendFile(d));
    return new Proxy(handle, {
      get: (target, name) => {
        if (name === 'appendFile') return append;
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return { ...fs, appendFile, open, default: { ...fs, appendFile, open } };
});

let dir: string | undefined;
afterEach(() => {
  disk.fullAfter = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Spool on a full disk', () => {
  it('starts the retry of a write the disk cut short on a new line, so that the retried batch is read back whole', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-'));
    const spool = new Spool(join(dir, 'moongate.db.spool.jsonl'));
    const batch = [logEntry({ id: 'a' }), logEntry({ id: 'b' })];
    // The disk fills in the middle of the first record.
    disk.fullAfter = 40;
    await expect(spool.append(batch)).rejects.toThrow(/ENOSPC/);
    // Left as it is: another gateway sharing the spool may have appended after it.
    expect(statSync(spool.path).size).toBe(40);
    // There is room again: the writer retries the batch.
    await spool.append(batch);
    expect(spool.bytes).toBe(statSync(spool.path).size);

    const replayed: LogEntry[] = [];
    const corrupt: string[] = [];
    await spool.replay(async (entries) => (replayed.push(...entries), entries.length), { batchSize: 10, onCorruptLine: (f) => corrupt.push(f) });
    expect(replayed.map((e) => e.id)).toEqual(['a', 'b']);
    // Only the half line is damaged.
    expect(corrupt).toHaveLength(1);
    expect(spool.hasData).toBe(false);
  });

  it('keeps appending whole lines when nothing fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-'));
    const spool = new Spool(join(dir, 'moongate.db.spool.jsonl'));
    await spool.append([logEntry({ id: 'a' })]);
    await spool.append([logEntry({ id: 'b' })]);
    expect(readFileSync(spool.path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as LogEntry).id)).toEqual(['a', 'b']);
  });

  it('writes a body held as its UTF-8 bytes as its text, and replays it as text', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-'));
    const spool = new Spool(join(dir, 'moongate.db.spool.jsonl'));
    const request = JSON.stringify({ messages: [{ role: 'user', content: `the day’s catch ${'words '.repeat(1000)}` }] });
    const entry = logEntry({ id: 'long', request_json: textToHold(request), response_json: null });
    await spool.append([entry]);
    await spool.setAside([{ entry, reason: 'refused' }]);
    const line = JSON.parse(readFileSync(spool.path, 'utf8')) as LogEntry;
    expect(line).toMatchObject({ id: 'long', request_json: request, response_json: null });
    expect(JSON.parse(readFileSync(spool.setAsidePath, 'utf8'))).toMatchObject({ refused_because: 'refused', record: { request_json: request } });
    const replayed: LogEntry[] = [];
    await spool.replay(async (batch) => replayed.push(...batch), { batchSize: 10 });
    expect(replayed.map((e) => e.request_json)).toEqual([request]);
  });
});

describe('Spool shared with another gateway', () => {
  it('sees that files replayed by another process are gone, instead of waiting on them for ever', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-'));
    const path = join(dir, 'moongate.db.spool.jsonl');
    const mine = new Spool(path);
    await mine.append([logEntry({ id: 'a' })]);
    // The other gateway on this store replays the spool they share, and removes it.
    const other = new Spool(path);
    const replayedThere: string[] = [];
    await other.replay(async (entries) => (replayedThere.push(...entries.map((e) => e.id)), entries.length), { batchSize: 10 });
    expect(replayedThere).toEqual(['a']);

    expect(await mine.replay(async (entries) => entries.length, { batchSize: 10 })).toBe(0);
    expect(mine.hasData).toBe(false);
    expect(mine.bytes).toBe(0);
  });
});

describe('Spool whose folder was removed', () => {
  it('makes the folder again for the next append', async () => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-spool-'));
    const spool = new Spool(join(dir, 'data', 'moongate.db.spool.jsonl'));
    await spool.init();
    rmSync(join(dir, 'data'), { recursive: true });
    await spool.append([logEntry({ id: 'a' })]);
    const replayed: string[] = [];
    await spool.replay(async (entries) => (replayed.push(...entries.map((e) => e.id)), entries.length), { batchSize: 10 });
    expect(replayed).toEqual(['a']);
  });
});
