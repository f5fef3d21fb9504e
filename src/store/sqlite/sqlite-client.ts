import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { MEMORY } from '../store-url.js';
import { SqlClient } from './sql-client.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';

/** A reader only ever reads; the writer (or a store doing both) also migrates and writes. */
export type SqliteRole = 'writer' | 'reader' | 'both';

export { MEMORY };

const NEW_DATABASE_PAGE_SIZE = 16_384;

/**
 * Opens the database file (creating its folder on first start) with the settings every
 * connection needs: WAL so that readers never wait for the writer, NORMAL sync (durable across
 * a process crash; a power cut may lose the last transactions), and a busy timeout so that a
 * second process on the same file (`moongate logs --store`, a second replica) waits instead of
 * failing. A new database gets 16 KB pages (SQLite's default is 4 KB): the log table's rows are a
 * few KB each, and each page written is a system call; inserting 200,000 log records took 14.9 µs
 * of CPU a record with 4 KB pages, 12.9 with 16 KB. An existing database keeps its page size.
 */
export async function openSqliteClient(path: string, role: SqliteRole): Promise<SqlClient> {
  const memory = path === MEMORY;
  if (!memory && role !== 'reader') createPrivately(path);
  // SQLite would create an empty file for the reader, which the writer then takes for a replacement.
  if (!memory && role === 'reader' && !existsSync(path)) throw deletedFile(path, 'deleted');
  const db = new Database(memory ? ':memory:' : path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    // Before WAL: the page size of a database with no tables yet can still be chosen (a no-op after).
    if (role !== 'reader') db.exec(`PRAGMA page_size = ${NEW_DATABASE_PAGE_SIZE}`);
    if (!memory && role !== 'reader') db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    if (role === 'reader') db.exec('PRAGMA query_only = 1');
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqlClient(db, memory ? undefined : sameFileCheck(path));
}

/**
 * Throws when the file at `path` is no longer the one the connection has open (deleted, or
 * replaced by another file): SQLite would go on writing to the old one, which nobody reads again,
 * and every log record written there would be gone at the next start while the gateway said all
 * was well. Said as SQLITE_CANTOPEN, an outage: the log writer spools meanwhile, and readiness
 * reports it. A statSync per write transaction costs microseconds.
 */
function sameFileCheck(path: string): () => void {
  const opened = statSync(path);
  return () => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === opened.ino && now.dev === opened.dev) return;
    throw deletedFile(path, now ? 'replaced by another file' : 'deleted');
  };
}

/** Said as SQLITE_CANTOPEN: an outage, which the log writer spools through and the API answers with 503. */
function deletedFile(path: string, what: string): Error {
  return Object.assign(new Error(`the database file ${path} was ${what} while Moongate had it open; restart Moongate to open the file at that path (log records are spooled until then)`), {
    code: 'SQLITE_CANTOPEN',
  });
}

/**
 * The database holds every prompt and answer logged: a folder it creates is the owner's alone
 * (0700), and so is a new database file (0600; SQLite gives its -wal and -shm files the database
 * file's mode). Files and folders that already exist keep the mode their owner gave them.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}
