/**
 * SQLite result codes that say the database cannot take anything now, whatever is sent, and the
 * file system's (opening the store: its folder or file cannot be made or read).
 */
const UNAVAILABLE_CODE = /^(SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)|EACCES|EPERM|ENOSPC|EROFS|EIO|ENOENT|EMFILE|ENFILE)/;
/** The same said in words, and the store threads' own failures (closing, stopped, too slow). */
const UNAVAILABLE_MESSAGE =
  /database is locked|database table is locked|disk I\/O error|database or disk is full|readonly database|unable to open database|file is not a database|database disk image is malformed|the store is clos(ing|ed)|the store worker (stopped|exited)|did not answer .* within/i;

/**
 * The store cannot take anything now (locked by another process, disk full, read-only, its thread
 * gone or too slow), as opposed to refusing one particular thing it was given. The first is waited
 * out; the second would fail every retry.
 */
export function storeUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && UNAVAILABLE_CODE.test(code)) || (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message));
}

/** Failures that say nothing about whether the call was applied: it may still run, or have run. */
const MAYBE_APPLIED = /did not answer .* within|the store worker (stopped|exited)/i;

/**
 * The store was unavailable and applied nothing of the call, so sending it again cannot apply it
 * twice. A call that timed out (it may still run in the store thread) or whose thread died under
 * it is not such a refusal.
 */
export function refusedUnapplied(err: unknown): boolean {
  if (!storeUnavailable(err)) return false;
  const message = (err as { message?: unknown }).message;
  return !(typeof message === 'string' && MAYBE_APPLIED.test(message));
}
