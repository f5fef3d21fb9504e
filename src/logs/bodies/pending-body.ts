import { keptAsIs, prepareBody } from './prepare-body.js';
import type { BodyMode, BodyPolicy } from './prepare-body.js';
import type { LogEntry } from '../log-record.js';

/**
 * A body whose preparation for the log (cap, redaction, inline files) is left to the thread that
 * writes it: the store's writer thread. Shortening a 100 KB conversation to `max_body_kb` took
 * ~0.5 ms of the serving thread, after the answer but before the next request on the connection
 * could be read (a 1 MB one, ~5 ms of every request's time). The writer parses the text again
 * and prepares it exactly as the serving thread would have.
 */
export interface PendingBody {
  readonly pending_body: true;
  /** The body as JSON text: the client's or upstream's own bytes, decoded. */
  readonly text: string;
  readonly mode: Exclude<BodyMode, 'off'>;
  readonly maxBytes: number;
}

/** A body as a log record carries it until it is stored. */
export type LoggedBody = string | PendingBody | null;

/**
 * `prepareBody`, except that the work is left for later (a PendingBody) when it is more than
 * keeping `text` as it is and `text` is at hand to redo it from.
 */
export function prepareBodyLater(body: unknown, policy: BodyPolicy, text: string | undefined): LoggedBody {
  if (policy.mode === 'off' || body === undefined || body === null) return null;
  if (text === undefined) return prepareBody(body, policy);
  if (keptAsIs(text, policy)) return text;
  return { pending_body: true, text, mode: policy.mode, maxBytes: policy.maxBytes };
}

export function isPendingBody(value: unknown): value is PendingBody {
  return typeof value === 'object' && value !== null && (value as { pending_body?: unknown }).pending_body === true;
}

/** The body as stored. Throws only if the text is not JSON, which the serving thread parsed. */
export function settleBody(body: LoggedBody): string | null {
  if (body === null || typeof body === 'string') return body;
  return prepareBody(JSON.parse(body.text) as unknown, { mode: body.mode, maxBytes: body.maxBytes }, body.text);
}

/** `settleBody` for a record on its way to be written: a body that cannot be prepared is left out, said so, and the record kept. */
export function settleBodyOf(recordId: string, which: 'request' | 'response', body: LoggedBody): string | null {
  try {
    return settleBody(body);
  } catch (err) {
    console.warn(`moongate: log record ${recordId}: its ${which} body could not be prepared (${err instanceof Error ? err.message : String(err)}) and is stored without it`);
    return null;
  }
}

/** The record with its bodies prepared: for the spool file, which must hold what an older Moongate can replay. */
export function settledEntry(entry: LogEntry): LogEntry {
  if (!isPendingBody(entry.request_json) && !isPendingBody(entry.response_json)) return entry;
  return { ...entry, request_json: settleBodyOf(entry.id, 'request', entry.request_json), response_json: settleBodyOf(entry.id, 'response', entry.response_json) };
}
