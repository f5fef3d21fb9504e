/**
 * The schema, as numbered migrations applied in order and recorded in `moongate_migrations`.
 * Add a new migration at the end; never edit one that has shipped. The SQL is portable between
 * SQLite and PostgreSQL on purpose: TEXT, BIGINT (epoch ms), INTEGER, SMALLINT (booleans) and
 * DOUBLE PRECISION only; JSON is stored as TEXT. Keys and credentials get their tables here too.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS moongate_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'request_logs',
    statements: [
      // Bodies come last: SQLite reads a row's columns in order, so list queries that stop
      // before them never touch the overflow pages where large bodies live.
      `CREATE TABLE request_logs (
        id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        source TEXT NOT NULL,
        key_id TEXT,
        customer_identifier TEXT,
        end_user TEXT,
        trace_id TEXT,
        metadata TEXT,
        provider TEXT,
        credential TEXT,
        model_requested TEXT,
        model TEXT,
        stream SMALLINT NOT NULL,
        status INTEGER NOT NULL,
        is_error SMALLINT NOT NULL,
        error_type TEXT,
        error_message TEXT,
        attempts TEXT,
        adjustments TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cached_tokens INTEGER,
        reasoning_tokens INTEGER,
        cost_usd DOUBLE PRECISION,
        cost_input_usd DOUBLE PRECISION,
        cost_cached_input_usd DOUBLE PRECISION,
        cost_output_usd DOUBLE PRECISION,
        cost_web_search_usd DOUBLE PRECISION,
        web_search_calls INTEGER,
        latency_ms DOUBLE PRECISION,
        ttft_ms DOUBLE PRECISION,
        overhead_ms DOUBLE PRECISION,
        request TEXT,
        response TEXT
      )`,
      // One index per filter of GET /v1/logs, each ending in (created_at, id): a filtered,
      // newest-first page is then one index range scan however many rows the table holds.
      'CREATE INDEX request_logs_created ON request_logs (created_at, id)',
      'CREATE INDEX request_logs_model ON request_logs (model, created_at, id)',
      'CREATE INDEX request_logs_provider ON request_logs (provider, created_at, id)',
      'CREATE INDEX request_logs_key ON request_logs (key_id, created_at, id)',
      'CREATE INDEX request_logs_customer ON request_logs (customer_identifier, created_at, id)',
      'CREATE INDEX request_logs_status ON request_logs (status, created_at, id)',
      'CREATE INDEX request_logs_errors ON request_logs (is_error, created_at, id)',
    ],
  },
  {
    version: 2,
    name: 'virtual_keys',
    statements: [
      // Gateway keys: only the hash of the key is kept, never the key.
      `CREATE TABLE virtual_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        key_last4 TEXT NOT NULL,
        models TEXT,
        budget_usd DOUBLE PRECISION,
        budget_period TEXT NOT NULL,
        rpm INTEGER,
        tpm INTEGER,
        expires_at BIGINT,
        customer_identifier TEXT,
        metadata TEXT,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        spend_usd DOUBLE PRECISION NOT NULL,
        spend_period_start BIGINT NOT NULL,
        spend_total_usd DOUBLE PRECISION NOT NULL
      )`,
      'CREATE UNIQUE INDEX virtual_keys_hash ON virtual_keys (key_hash)',
    ],
  },
  {
    version: 3,
    name: 'provider_credentials',
    statements: [
      // Provider keys added at run time, sealed (AES-256-GCM under MOONGATE_SECRET) before they get here.
      `CREATE TABLE provider_credentials (
        provider TEXT NOT NULL,
        name TEXT NOT NULL,
        api_key_sealed TEXT NOT NULL,
        key_last4 TEXT NOT NULL,
        region TEXT,
        base_url TEXT,
        weight DOUBLE PRECISION NOT NULL,
        limits TEXT,
        models TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (provider, name)
      )`,
    ],
  },
  {
    version: 4,
    name: 'key_charge_batches',
    statements: [
      // The files of charges kept by a shutdown that were added (KeyStore.addSpendOnce), by name.
      `CREATE TABLE key_charge_batches (
        id TEXT PRIMARY KEY,
        applied_at BIGINT NOT NULL
      )`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
