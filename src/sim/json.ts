/** Narrowing helpers for request bodies, which arrive as `unknown`. */

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(obj: JsonRecord, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

/** A field that is "present" for Moonshot's checks: JSON null counts as absent, like omitting it. */
export function present(obj: JsonRecord, key: string): boolean {
  return obj[key] !== undefined && obj[key] !== null;
}

/**
 * Serialises like Python's json.dumps (", " and ": " separators): Moonshot's live tool-call
 * arguments look like `{"city": "Paris"}`, and clients that compare bytes should see that form.
 */
export function dumpsJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(dumpsJson).join(', ')}]`;
  if (isRecord(value)) {
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${dumpsJson(v)}`);
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
