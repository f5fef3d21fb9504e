// Bundles the gateway's CLI from tsc's output (dist/) into dist/bundle: what `npm start` and the
// `moongate` command run. Loading ~280 modules one by one costs start-up time and memory (each
// module is resolved, read, compiled and kept as a record, on three threads); one bundle per thread
// readies the gateway ~150 ms sooner and ~4 MB lighter at idle (docs/performance-history.md, eighteenth
// round). tsc's dist/ stays as it is, one file per module, for the tests and the simulator library.
//
// Layout: the entries and every chunk sit in dist/bundle, two folders below the package root, as
// dist/<folder>/*.js does, so the URLs the modules build from `import.meta.url` still point where
// they did: ../../package.json, ../../dist/ui/, ../../fixtures/, and the two worker threads'
// entries, which the code finds beside itself (./load-config-worker.js, ./worker/store-worker.js).
// The store worker's entry is the one file a folder deeper: the build fails if code that builds a
// URL from `import.meta.url` ever lands in it (or in any file not directly in dist/bundle).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle');
rmSync(out, { recursive: true, force: true });

const result = await build({
  entryPoints: {
    moongate: join(dist, 'cli/main.js'),
    'load-config-worker': join(dist, 'config/load-config-worker.js'),
    'worker/store-worker': join(dist, 'store/worker/store-worker.js'),
  },
  outdir: out,
  absWorkingDir: root, // the metafile's paths below are relative to it
  bundle: true,
  // Modules loaded on use (the simulator, prom-client, Redis, …) stay in chunks of their own.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Loaded from node_modules as before:
  // - libsql finds its native module by a computed name;
  // - prom-client and ioredis load on use, so bundling them saves nothing (and ioredis's errors
  //   take their names from their classes', which a bundle may rename);
  // - undici is loaded in parts (its pool at start-up, the rest on use: src/upstream), and an
  //   `import()` of a bundled CommonJS module would not see its named exports. Marking a package
  //   external covers its subpaths too, so the pool is required from node_modules as well.
  external: ['libsql', 'prom-client', 'ioredis', 'undici'],
  // Bundled CommonJS dependencies (commander, yaml) call `require` for Node's own modules, which
  // an ES module does not have.
  banner: { js: "import { createRequire as __moongateRequire } from 'node:module'; const require = __moongateRequire(import.meta.url);" },
  // Stack traces name the bundle's files; `node --enable-source-maps` maps them to src/.
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const BANNER_USES = 1; // the banner's createRequire(import.meta.url)
for (const file of Object.keys(result.metafile.outputs)) {
  if (!file.endsWith('.js') || dirname(join(root, file)) === out) continue;
  const uses = readFileSync(join(root, file), 'utf8').split('import.meta.url').length - 1;
  if (uses > BANNER_USES) {
    throw new Error(`build-bundle: ${file} builds a URL from import.meta.url, but it sits a folder deeper than the rest of the bundle, so the URL would point elsewhere: keep such code out of the store worker's own entry`);
  }
}
