import { appendFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { asString } from './bodies/json-text.js';
import type { LogEntry } from './log-record.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../store/private-files.js';

/** A record `JSON.stringify` refused, and why. */
export interface Unwritable {
  entry: LogEntry;
  reason: string;
}

export interface ReplayOptions {
  batchSize: number;
  /** Checked between batches: lets a shutdown stop a long replay (the rest stays spooled). */
  shouldStop?: () => boolean;
  onCorruptLine?: (file: string) => void;
}

/**
 * Records that could not reach the store wait here: an append-only JSON-lines file next to the
 * database, one record per line, replayed when the store answers again (and at start). Appends
 * are serialized; a replay first moves the file aside, so records spooled meanwhile go to a fresh
 * file and nothing is read and written at once. The store skips ids it already has, so a replay
 * cut short can simply run again.
 */
export class Spool {
  private chain: Promise<unknown> = Promise.resolve();
  private size = 0;
  private ready: Promise<void> | undefined;

  constructor(readonly path: string) {}

  /** Bytes waiting to be replayed. */
  get bytes(): number {
    return this.size;
  }

  get hasData(): boolean {
    return this.size > 0;
  }

  /** Finds what an earlier run left behind. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: PRIVATE_DIR_MODE });
      this.size += await this.filesSize();
    })();
    return this.ready;
  }

  /**
   * Resolves once the records are in the file, with those that cannot be written as JSON at all
   * (none, short of a bug): they are left out rather than keep every record behind them from disk.
   */
  append(entries: readonly LogEntry[]): Promise<Unwritable[]> {
    return this.appendLines(this.path, entries, withTextBodies);
  }

  /** Where records the store refused are kept for a human (JSON lines, with the reason). */
  get setAsidePath(): string {
    return `${this.path}.refused`;
  }

  /**
   * Keeps records the store refused out of the way, with why: they would fail every retry.
   * Resolves with those that cannot be written as JSON either.
   */
  setAside(refused: readonly { entry: LogEntry; reason: string }[]): Promise<Unwritable[]> {
    const reasons = new Map(refused.map(({ entry, reason }) => [entry, reason]));
    return this.appendLines(this.setAsidePath, [...reasons.keys()], (entry) => ({ refused_because: reasons.get(entry), record: withTextBodies(entry) }));
  }

  /** One JSON line per entry (as `line` shapes it) appended to `file`; resolves with the entries JSON refused. */
  private appendLines(file: string, entries: readonly LogEntry[], line: (entry: LogEntry) => unknown): Promise<Unwritable[]> {
    const unwritable: Unwritable[] = [];
    const lines: string[] = [];
    for (const entry of entries) {
      try {
        lines.push(JSON.stringify(line(entry)));
      } catch (err) {
        unwritable.push({ entry, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (lines.length === 0) return Promise.resolve(unwritable);
    const text = lines.join('\n') + '\n';
    return this.serialize(async () => {
      await this.init();
      // Only the spool itself waits to be replayed.
      await appendWhole(file, text, (bytes) => {
        if (file === this.path) this.size += bytes;
      });
    }).then(() => unwritable);
  }

  /**
   * Writes every spooled record through `insert`, batch by batch, deleting each file once it is
   * all in. Throws (keeping what is left) when `insert` fails. `insert` says how many records of a
   * batch went in (the others were set aside); returns how many went in, in all.
   */
  async replay(insert: (batch: LogEntry[]) => Promise<number>, options: ReplayOptions): Promise<number> {
    await this.init();
    await this.serialize(async () => {
      const active = await stat(this.path).catch(() => undefined);
      if (active && active.size > 0) await rename(this.path, `${this.path}.replay-${Date.now()}-${process.pid}`);
    });
    let replayed = 0;
    try {
      for (const file of (await this.files()).filter((f) => f !== this.path)) {
        if (options.shouldStop?.()) break;
        // Another gateway on the same store may have replayed (and removed) it since it was listed.
        const handle = await open(file, 'r').catch((err: unknown) => ifGone(err, undefined));
        if (!handle) continue;
        let batch: LogEntry[] = [];
        let stopped = false;
        const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
        try {
          for await (const line of lines) {
            if (line.trim() === '') continue;
            const entry = parseLine(line);
            if (!entry) {
              // Only a crash in the middle of an append leaves half a line; keep it for a human.
              await appendFile(`${this.path}.corrupt`, line + '\n', { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
              options.onCorruptLine?.(file);
              continue;
            }
            batch.push(entry);
            if (batch.length >= options.batchSize) {
              replayed += await insert(batch);
              batch = [];
              if (options.shouldStop?.()) {
                stopped = true;
                break;
              }
            }
          }
        } finally {
          lines.close();
          await handle.close().catch(() => undefined);
        }
        if (stopped) break;
        if (batch.length > 0) {
          replayed += await insert(batch);
        }
        await unlink(file).catch((err: unknown) => ifGone(err, undefined));
      }
    } finally {
      await this.measure();
    }
    return replayed;
  }

  /**
   * What is waiting is what the files hold, measured rather than counted down: files another
   * process replayed vanish from under this one, and a size that never reached 0 kept the writer
   * replaying nothing in a loop at full CPU, with the store reported down.
   */
  private async measure(): Promise<void> {
    await this.serialize(async () => {
      this.size = await this.filesSize();
    });
  }

  /** Bytes in the spool's files now (one another process replayed meanwhile counts as empty). */
  private async filesSize(): Promise<number> {
    let total = 0;
    for (const file of await this.files()) total += (await stat(file).catch((err: unknown) => ifGone(err, undefined)))?.size ?? 0;
    return total;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The active file and any moved aside for a replay that did not finish, oldest first. */
  private async files(): Promise<string[]> {
    const dir = dirname(this.path);
    const name = basename(this.path);
    const names = await readdir(dir).catch(() => [] as string[]);
    const replays = names.filter((n) => n.startsWith(`${name}.replay-`)).sort((a, b) => replayTime(a) - replayTime(b));
    const out = replays.map((n) => join(dir, n));
    if (names.includes(name)) out.push(this.path);
    return out;
  }
}

/**
 * Appends `text` (whole lines) on a line of its own, and says by how much the file grew, failed
 * appends included. A disk that fills up mid-write leaves part of a line behind. It is not cut
 * back: another gateway sharing the spool may have appended after it. Instead the next append
 * starts a new line if the file does not end with one, so that only the half line is read back
 * as damaged (its batch is retried whole), not the first record of the retry glued to it.
 *
 * Another gateway sharing the spool may move the file aside for a replay between this open and
 * this write, read it to its end and delete it: the lines went into a file already read. When
 * the path no longer names the file written, they are appended again, to the file there now;
 * the store keeps one record of an id, so a line replayed twice is written once.
 */
async function appendWhole(file: string, text: string, grew: (bytes: number) => void): Promise<void> {
  for (;;) {
    const handle = await open(file, 'a+', PRIVATE_FILE_MODE).catch(async (err: unknown) => {
      // Its folder was removed under the running gateway (with the database, by a cleanup): made
      // again, or no record could reach the disk until a restart.
      ifGone(err, undefined);
      await mkdir(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      return open(file, 'a+', PRIVATE_FILE_MODE);
    });
    let stillThere: boolean;
    try {
      const before = (await handle.stat()).size;
      let lastByte = '\n';
      if (before > 0) {
        const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, before - 1);
        lastByte = buffer.toString('latin1');
      }
      try {
        await handle.appendFile(lastByte === '\n' ? text : `\n${text}`, 'utf8');
      } finally {
        grew((await handle.stat()).size - before);
      }
      stillThere = await names(file, handle);
    } finally {
      await handle.close();
    }
    if (stillThere) return;
  }
}

/** Does `file` still name the file `handle` has open (not moved aside or deleted since)? */
async function names(file: string, handle: FileHandle): Promise<boolean> {
  const [opened, named] = await Promise.all([handle.stat(), stat(file).catch((err: unknown) => ifGone(err, undefined))]);
  return named !== undefined && named.ino === opened.ino && named.dev === opened.dev;
}

/** `value` when `err` says the file is not there (any other error is thrown again). */
function ifGone<T>(err: unknown, value: T): T {
  if ((err as { code?: unknown } | null)?.code === 'ENOENT') return value;
  throw err;
}

function replayTime(name: string): number {
  const match = /\.replay-(\d+)-/.exec(name);
  return match ? Number(match[1]) : 0;
}

function parseLine(line: string): LogEntry | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && typeof (value as LogEntry).id === 'string' ? (value as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** A record as a line holds it: a body held as its bytes (see LogEntry) is written as its text. */
function withTextBodies(entry: LogEntry): LogEntry {
  const { request_json: request, response_json: response } = entry;
  if (!isBytes(request) && !isBytes(response)) return entry;
  return { ...entry, request_json: request === null ? null : asString(request), response_json: response === null ? null : asString(response) };
}

function isBytes(body: LogEntry['request_json']): boolean {
  return body !== null && typeof body !== 'string';
}
