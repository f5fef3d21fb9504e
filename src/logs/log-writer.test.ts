import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../server/request-outcome.js';
import type { LogRepository } from '../store/store.js';
import type { LogEntry } from './log-record.js';
import { LogWriter } from './log-writer.js';
import { Spool } from './spool.js';
import { logEntry } from '../../test/helpers/log-entry.js';

function outcome(id: string): RequestOutcome {
  return {
    requestId: id,
    startedAt: 1_700_000_000_000,
    stream: false,
    modelRequested: 'kimi',
    provider: 'moonshot',
    model: 'kimi-k2.6',
    credential: 'main',
    status: 200,
    error: undefined,
    attempts: [],
    adjustments: [],
    usage: undefined,
    latencyMs: 10,
    ttftMs: undefined,
    overheadMs: 1,
    request: { messages: [] },
    response: undefined,
    clientClosed: false,
    caller: { customerIdentifier: undefined, metadata: undefined, user: undefined, traceId: undefined },
  };
}

/** An outcome's record: the writer looks at ids only, so the rest is the shared fixture's. */
function entryOf(o: RequestOutcome): LogEntry {
  return logEntry({ id: o.requestId, created_at_ms: o.startedAt, provider: o.provider ?? null, model: o.model ?? null, status: o.status });
}

/** A repository that can be taken down and slowed, and remembers every batch. */
class FakeRepo implements LogRepository {
  readonly stored = new Map<string, LogEntry>();
  readonly batches: number[] = [];
  down = false;
  delayMs = 0;
  async insert(entries: LogEntry[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    // What a store that cannot take anything says (another process holds the lock).
    if (this.down) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    this.batches.push(entries.length);
    for (const e of entries) if (!this.stored.has(e.id)) this.stored.set(e.id, e);
  }
  get = async () => undefined;
  list = async () => ({ records: [] });
  usage = async () => [];
  deleteOlderThan = async () => 0;
}

const dirs: string[] = [];
const writers: LogWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp<S extends Spool = Spool>(options: Partial<ConstructorParameters<typeof LogWriter>[3]> = {}, makeSpool: (path: string) => S = (path) => new Spool(path) as S) {
  const dir = mkdtempSync(join(tmpdir(), 'moongate-writer-'));
  dirs.push(dir);
  const repo = new FakeRepo();
  const spool = makeSpool(join(dir, 'moongate.db.spool.jsonl'));
  const warnings: string[] = [];
  const writer = new LogWriter(repo, spool, entryOf, { flushIntervalMs: 5, retryMinMs: 10, retryMaxMs: 40, warn: (m) => warnings.push(m), ...options });
  writers.push(writer);
  return { dir, repo, spool, writer, warnings };
}

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('LogWriter', () => {
  it('writes in batches, off the calling tick', async () => {
    const { repo, writer } = setUp({ batchSize: 200 });
    await writer.start();
    for (let i = 0; i < 450; i++) writer.enqueueOutcome(outcome(`r${i}`));
    expect(repo.stored.size).toBe(0); // nothing happened on the request path
    expect(writer.stats.backlog).toBe(450);
    await writer.flush();
    expect(repo.stored.size).toBe(450);
    expect(Math.max(...repo.batches)).toBeLessThanOrEqual(200);
    expect(writer.stats).toMatchObject({ backlog: 0, written: 450, spooled: 0 });
  });

  it('leaves records that arrive during a write for a full batch or the interval, not a small batch at once', async () => {
    const { repo, writer } = setUp({ batchSize: 100, flushIntervalMs: 200 });
    repo.delayMs = 50;
    for (let i = 0; i < 100; i++) writer.enqueueOutcome(outcome(`full${i}`));
    // A full batch goes at once; ten records arrive while it is being written.
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 10; i++) writer.enqueueOutcome(outcome(`late${i}`));
    await until(() => repo.batches.length === 1);
    await new Promise((r) => setTimeout(r, 80));
    expect(repo.batches).toEqual([100]);
    // ...then, the interval passed, the rest.
    await until(() => repo.stored.size === 110);
    expect(repo.batches).toEqual([100, 10]);
  });

  it('flushes on its own after the interval', async () => {
    const { repo, writer } = setUp();
    writer.enqueueOutcome(outcome('lonely'));
    await until(() => repo.stored.has('lonely'));
  });

  it('spools while the store is down and replays once it is back: nothing lost, nothing twice', async () => {
    const { repo, spool, writer, warnings } = setUp({ batchSize: 20 });
    await writer.start();
    for (let i = 0; i < 30; i++) writer.enqueueOutcome(outcome(`a${i}`));
    await writer.flush();
    repo.down = true;
    for (let i = 0; i < 70; i++) writer.enqueueOutcome(outcome(`b${i}`));
    await writer.flush();
    expect(writer.stats.storeHealthy).toBe(false);
    expect(spool.bytes).toBeGreaterThan(0);
    expect(repo.stored.size).toBe(30);
    repo.down = false;
    await until(() => writer.stats.storeHealthy && !spool.hasData);
    for (let i = 0; i < 5; i++) writer.enqueueOutcome(outcome(`c${i}`));
    await writer.flush();
    expect(repo.stored.size).toBe(105);
    expect(writer.stats).toMatchObject({ written: 35, spooled: 70, replayed: 70 });
    expect(warnings.join('\n')).toMatch(/not accepting log records[\s\S]*store is back; 70 spooled/);
  });

  it('keeps memory bounded when the store is slow: overflow goes to the spool', async () => {
    const { repo, writer, spool } = setUp({ batchSize: 10, maxQueued: 30 });
    repo.delayMs = 30;
    await writer.start();
    for (let i = 0; i < 200; i++) writer.enqueueOutcome(outcome(`o${i}`));
    expect(writer.stats.backlog).toBeLessThanOrEqual(30 + 10 * 20);
    expect(writer['queue'].length).toBeLessThanOrEqual(30);
    await writer.flush();
    expect(writer.stats.spooled).toBeGreaterThan(0);
    await until(() => repo.stored.size === 200 && !spool.hasData, 10_000);
  });

  it('replays what a previous run left in the spool, skipping a damaged line', async () => {
    const { dir, repo, writer, warnings } = setUp();
    const left = [entryOf(outcome('old1')), entryOf(outcome('old2'))].map((e) => JSON.stringify(e)).join('\n');
    writeFileSync(join(dir, 'moongate.db.spool.jsonl'), `${left}\n{"id":"half-writ`);
    await writer.start();
    await until(() => repo.stored.size === 2);
    await until(() => !readdirSync(dir).some((f) => f.includes('.replay-')));
    expect(readdirSync(dir)).toContain('moongate.db.spool.jsonl.corrupt');
    expect(warnings.join('\n')).toContain('damaged line');
  });

  it('resolves ingestion writes once the records are persisted (or spooled)', async () => {
    const { repo, writer } = setUp();
    await writer.write([entryOf(outcome('i1')), entryOf(outcome('i2'))]);
    expect(repo.stored.has('i1') && repo.stored.has('i2')).toBe(true);
    repo.down = true;
    await writer.write([entryOf(outcome('i3'))]);
    expect(writer.stats.spooled).toBe(1);
  });

  it('flushes on close, to the spool when the store is down', async () => {
    const { repo, spool, writer } = setUp({ flushIntervalMs: 60_000 });
    repo.down = true;
    for (let i = 0; i < 12; i++) writer.enqueueOutcome(outcome(`z${i}`));
    await writer.close();
    expect(writer.stats.spooled).toBe(12);
    expect(spool.bytes).toBeGreaterThan(0);
  });

  it('drops, and says so, a record neither the store nor JSON can take, instead of holding up the records behind it', async () => {
    const { repo, writer, warnings } = setUp({ batchSize: 10 });
    await writer.start();
    // A stand-in for any record the store refuses and JSON.stringify cannot write (a BigInt here).
    const insert = repo.insert.bind(repo);
    repo.insert = async (entries) => {
      if (entries.some((e) => typeof e.metadata?.n === 'bigint')) throw new Error('could not clone the record');
      return insert(entries);
    };
    await writer.write([entryOf(outcome('ok1')), { ...entryOf(outcome('poison')), metadata: { n: 1n } }, entryOf(outcome('ok2'))]);
    expect(writer.stats.storeHealthy).toBe(true);
    expect(repo.stored.size).toBe(2);
    for (let i = 0; i < 3; i++) writer.enqueueOutcome(outcome(`after${i}`));
    await writer.flush();
    expect([...repo.stored.keys()].sort()).toEqual(['after0', 'after1', 'after2', 'ok1', 'ok2']);
    expect(warnings.join('\n')).toMatch(/the store refused log record poison \(could not clone the record\), and it could not be kept in .* either \(.*BigInt.*\): it is dropped/);
    expect(writer.stats).toMatchObject({ spooled: 0, refused: 1, written: 5 });
  });

  it('sets aside a record the store refuses while it takes the others: the store is not taken for down', async () => {
    const { dir, repo, spool, writer, warnings } = setUp({ batchSize: 50 });
    await writer.start();
    const insert = repo.insert.bind(repo);
    repo.insert = async (entries) => {
      if (entries.some((e) => e.id === 'poison')) throw new Error('SQLITE_CONSTRAINT: a made-up refusal');
      return insert(entries);
    };
    for (let i = 0; i < 40; i++) writer.enqueueOutcome(outcome(i === 17 ? 'poison' : `r${i}`));
    await writer.flush();
    expect(repo.stored.size).toBe(39);
    expect(writer.stats).toMatchObject({ storeHealthy: true, written: 39, spooled: 0, refused: 1 });
    expect(spool.hasData).toBe(false);
    const kept = readFileSync(join(dir, 'moongate.db.spool.jsonl.refused'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(kept).toEqual([{ refused_because: 'SQLITE_CONSTRAINT: a made-up refusal', record: expect.objectContaining({ id: 'poison' }) }]);
    expect(warnings).toEqual([expect.stringMatching(/^the store refused log record poison \(SQLITE_CONSTRAINT: a made-up refusal\); it is kept in .*\.refused$/)]);
  });

  it('replays a spool holding a record the store refuses: the rest goes in, and the spool empties', async () => {
    const { dir, repo, spool, writer } = setUp();
    const left = ['old1', 'poison', 'old2', 'old3'].map((id) => JSON.stringify(entryOf(outcome(id)))).join('\n');
    writeFileSync(join(dir, 'moongate.db.spool.jsonl'), `${left}\n`);
    const insert = repo.insert.bind(repo);
    repo.insert = async (entries) => {
      if (entries.some((e) => e.id === 'poison')) throw new Error('refused');
      return insert(entries);
    };
    await writer.start();
    await until(() => repo.stored.size === 3 && !spool.hasData);
    expect(writer.stats).toMatchObject({ storeHealthy: true, replayed: 3, refused: 1 });
    expect(readFileSync(join(dir, 'moongate.db.spool.jsonl.refused'), 'utf8')).toContain('"id":"poison"');
  });

  it('sets aside a refused record that is alone in its batch, and writes the ones after it (it used to stop every write for good)', async () => {
    const { repo, writer } = setUp();
    await writer.start();
    const insert = repo.insert.bind(repo);
    repo.insert = async (entries) => {
      if (entries.some((e) => e.id === 'poison')) throw new Error('a made-up refusal');
      return insert(entries);
    };
    writer.enqueueOutcome(outcome('poison'));
    await writer.flush();
    for (let i = 0; i < 20; i++) writer.enqueueOutcome(outcome(`good${i}`));
    await writer.flush();
    expect(repo.stored.size).toBe(20);
    expect(writer.stats).toMatchObject({ storeHealthy: true, written: 20, refused: 1, spooled: 0 });
  });
});

/** A spool on a disk that can be filled: appends fail while `full`. */
class FillableSpool extends Spool {
  full = false;
  override append(entries: readonly LogEntry[]): ReturnType<Spool['append']> {
    if (this.full) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    return super.append(entries);
  }
}

describe('LogWriter on a full disk (store and spool both refusing)', () => {
  it('never calls the store back without asking it, says so once, and writes everything once there is room', async () => {
    const { repo, spool, writer, warnings } = setUp({}, (path) => new FillableSpool(path));
    await writer.start();
    repo.down = true;
    spool.full = true;
    for (let i = 0; i < 10; i++) writer.enqueueOutcome(outcome(`full${i}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(warnings.filter((w) => /store is back/.test(w))).toEqual([]);
    expect(warnings.filter((w) => /could not spool/.test(w))).toHaveLength(1);
    expect(writer.stats).toMatchObject({ storeHealthy: false, spoolFailing: true, backlog: 10 });

    repo.down = false;
    spool.full = false;
    await until(() => repo.stored.size === 10);
    expect(writer.stats).toMatchObject({ storeHealthy: true, written: 10, backlog: 0 });
    expect(warnings.filter((w) => /store is back/.test(w))).toHaveLength(1);
  });

  it('keeps the records past its memory bound and says so once, rather than trying the full disk for every record', async () => {
    const { repo, spool, writer, warnings } = setUp({ batchSize: 5, maxQueued: 10 }, (path) => new FillableSpool(path));
    await writer.start();
    repo.down = true;
    spool.full = true;
    for (let i = 0; i < 200; i++) writer.enqueueOutcome(outcome(`over${i}`));
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings.filter((w) => /could not spool/.test(w))).toHaveLength(1);
    expect(writer.stats.backlog).toBe(200);

    repo.down = false;
    spool.full = false;
    await until(() => repo.stored.size === 200);
    expect(writer.stats.backlog).toBe(0);
  });
});

/** A spool whose appends take `delayMs` to reach the disk. */
class SlowSpool extends Spool {
  delayMs = 0;
  override async append(entries: readonly LogEntry[]): ReturnType<Spool['append']> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    return super.append(entries);
  }
}

describe('LogWriter closing', () => {
  it('waits for a record that arrived after the last flush to reach the spool before it resolves', async () => {
    const { spool, writer } = setUp({}, (path) => new SlowSpool(path));
    await writer.start();
    const closing = writer.close();
    // A request cut at the drain timeout ends just after the flush.
    spool.delayMs = 100;
    writer.enqueueOutcome(outcome('straggler'));
    await closing;
    expect(readFileSync(spool.path, 'utf8')).toContain('"straggler"');
  });

  it('waits for a straggler that came while the one before it was being spooled', async () => {
    const { spool, writer } = setUp({}, (path) => new SlowSpool(path));
    await writer.start();
    const closing = writer.close();
    spool.delayMs = 100;
    writer.enqueueOutcome(outcome('straggler1'));
    setTimeout(() => writer.enqueueOutcome(outcome('straggler2')), 50);
    await closing;
    const text = readFileSync(spool.path, 'utf8');
    expect(text).toContain('"straggler1"');
    expect(text).toContain('"straggler2"');
  });
});

describe('LogWriter after a full disk', () => {
  it('forgets the spool failure once the store takes records again, so a slow store later spools past the memory bound', async () => {
    const { repo, spool, writer } = setUp({ batchSize: 5, maxQueued: 10 }, (path) => new FillableSpool(path));
    await writer.start();
    repo.down = true;
    spool.full = true;
    for (let i = 0; i < 10; i++) writer.enqueueOutcome(outcome(`full${i}`));
    await new Promise((r) => setTimeout(r, 200));
    repo.down = false;
    spool.full = false;
    await until(() => repo.stored.size === 10);
    await new Promise((r) => setTimeout(r, 200));
    expect(writer.stats.spoolFailing).toBe(false);
    // the store is now slow: the memory bound should send batches to the spool again
    repo.delayMs = 300;
    for (let i = 0; i < 200; i++) writer.enqueueOutcome(outcome(`slow${i}`));
    await new Promise((r) => setTimeout(r, 50));
    await until(() => writer.stats.spooled > 0);
  });
});
