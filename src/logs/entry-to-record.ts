import { settleBody } from './bodies/pending-body.js';
import type { LoggedBody } from './bodies/pending-body.js';
import type { LogEntry, LogRecord } from './log-record.js';

/** The API view of a record that has not been read back from the store (ingestion answers). */
export function entryToRecord(entry: LogEntry): LogRecord {
  const { created_at_ms, request_json, response_json, ...rest } = entry;
  return {
    ...rest,
    created_at: new Date(created_at_ms).toISOString(),
    request: parsed(request_json),
    response: parsed(response_json),
  };
}

function parsed(body: LoggedBody): unknown {
  const text = settleBody(body);
  return text === null ? null : (JSON.parse(text) as unknown);
}
