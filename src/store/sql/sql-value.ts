/** The values the stores bind and read: portable between SQLite and PostgreSQL drivers. */
export type SqlValue = string | number | null;

/**
 * What a statement binds: a value, or a text's UTF-8 bytes (a long log body, see `entryValues`),
 * bound as a BLOB, which the statement must cast to TEXT (`CAST(? AS TEXT)`).
 */
export type SqlArg = SqlValue | Uint8Array;

/**
 * A statement with `?` placeholders. SQLite takes them as they are; the PostgreSQL store numbers
 * them (`$1`, `$2`, …) — no statement here has a `?` inside a string literal, so that is safe.
 */
export interface SqlStatement {
  sql: string;
  args: SqlArg[];
}
