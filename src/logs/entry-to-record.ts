import { asString } from './bodies/json-text.js';
import type { LogEntry, LogRecord } from './log-record.js';

/** The API view of a record that has not been read back from the store (ingestion answers). */
export function entryToRecord(entry: LogEntry): LogRecord {
  const { created_at_ms, request_json, response_json, ...rest } = entry;
  return {
    ...rest,
    created_at: new Date(created_at_ms).toISOString(),
    request: request_json === null ? null : (JSON.parse(asString(request_json)) as unknown),
    response: response_json === null ? null : (JSON.parse(asString(response_json)) as unknown),
  };
}
