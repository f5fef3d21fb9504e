import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildUi } from '../helpers/browser.js';

/**
 * The shell is revalidated on every load but its assets are cached for 5 minutes: after an upgrade
 * a browser ran the new page with the old app.js or app.css. The shell names each asset with its
 * content's hash, so that a new build is a new URL.
 */
const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist/ui');

describe('the dashboard bundle (review)', () => {
  it('links its script and stylesheet by the hash of their content', () => {
    buildUi();
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const hashOf = (file: string): string => createHash('sha256').update(readFileSync(join(DIST, file))).digest('hex').slice(0, 12);
    expect(html).toContain(`src="/ui/app.js?v=${hashOf('app.js')}"`);
    expect(html).toContain(`href="/ui/app.css?v=${hashOf('app.css')}"`);
  });
});
