import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

/**
 * undici's Pool and its request API without the rest of the package: undici's index also loads
 * fetch, WebSocket, mocks and caches (~100 ms and ~10 MB at start-up, measured), which the
 * request path never uses. The two files are the ones undici's own index wires together the
 * same way; undici-pool.test.ts checks this is the very class `undici` exports.
 */
const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js') as object);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
