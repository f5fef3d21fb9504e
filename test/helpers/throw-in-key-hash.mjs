// Loaded with `node --import` into a gateway under test: hashing the key `sk-simulated-bug` throws,
// as a bug in the gateway's key check would. Every other key is hashed as usual.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const crypto = createRequire(import.meta.url)('node:crypto');
const hash = crypto.hash;
crypto.hash = function hashOrSimulatedBug(algorithm, data, ...rest) {
  if (data === 'sk-simulated-bug') throw new TypeError('a simulated bug in the key check');
  return hash.call(this, algorithm, data, ...rest);
};
// The gateway imports `hash` from node:crypto as an ES module: give it the patched one.
syncBuiltinESMExports();
