import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

/**
 * undici's Pool without the rest of the package: undici's index also loads fetch, WebSocket,
 * mocks, caches and the request/stream API (~100 ms and ~10 MB at start-up, measured), none of
 * which the request path uses: it calls the pool's dispatcher directly (dispatch-upstream.ts).
 * undici-pool.test.ts checks this is the very class `undici` exports.
 */
const require = createRequire(import.meta.url);

/** What the gateway uses of a pool: its dispatcher, and closing it. */
export type Pool = Pick<UndiciPool, 'dispatch' | 'close' | 'destroy'>;
export const Pool = require('undici/lib/dispatcher/pool.js') as new (origin: string, options?: UndiciPool.Options) => Pool;
