// Bundles the dashboard (src/ui) into dist/ui: one JS file, one CSS file (uPlot's CSS included), the
// HTML shell. Run by `npm run build`, so `npm ci` (via `prepare`) leaves a working /ui behind.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/ui');
const out = join(root, 'dist/ui');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(src, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

// Plain concatenation is enough for two stylesheets; esbuild minifies the result.
const css = readFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8') + '\n' + readFileSync(join(src, 'styles.css'), 'utf8');
const { code } = await (await import('esbuild')).transform(css, { loader: 'css', minify: true });
writeFileSync(join(out, 'app.css'), code);
// The shell is revalidated on every load, its assets cached for minutes (src/server/ui-routes.ts):
// each is linked by its content's hash, so that after an upgrade the new shell never runs with the
// old script or stylesheet still in the browser's cache.
const version = (file) => createHash('sha256').update(readFileSync(join(out, file))).digest('hex').slice(0, 12);
const shell = readFileSync(join(src, 'index.html'), 'utf8')
  .replace('src="/ui/app.js"', `src="/ui/app.js?v=${version('app.js')}"`)
  .replace('href="/ui/app.css"', `href="/ui/app.css?v=${version('app.css')}"`);
if (!shell.includes('?v=') || shell.split('?v=').length !== 3) throw new Error('build-ui: index.html no longer links /ui/app.js and /ui/app.css as expected');
writeFileSync(join(out, 'index.html'), shell);
