// Bundles the dashboard (src/ui) into dist/ui: one JS file, one CSS file (uPlot's CSS included), the
// HTML shell. Run by `npm run build`, so `npm ci` (via `prepare`) leaves a working /ui behind.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
