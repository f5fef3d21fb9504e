/** The values the stores bind and read: portable between SQLite and PostgreSQL drivers. */
export type SqlValue = string | number | null;

/**
 * A statement with `?` placeholders. SQLite takes them as they are; the PostgreSQL store numbers
 * them (`$1`, `$2`, …) — no statement here has a `?` inside a string literal, so that is safe.
 */
export interface SqlStatement {
  sql: string;
  args: SqlValue[];
}
