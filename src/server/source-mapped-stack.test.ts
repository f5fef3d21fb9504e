import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceMaps, sourceMappedStack } from './source-mapped-stack.js';

/** A TypeScript file bundled as the CLI is (esbuild, a banner, a linked map), then run to throw. */
const SOURCE = `interface Options { n: number }

export function outer(options: Options): number {
  return inner(options) + 1;
}

function inner(options: Options): number {
  if (options.n > 0) throw new TypeError('a bug');
  return options.n;
}
`;
/** A folder name with a space and brackets: a checkout may sit in one. */
const OUT = 'out (2)';
let dir: string;
let stack: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-stack-'));
  writeFileSync(join(dir, 'thrower.ts'), SOURCE);
  buildSync({ entryPoints: [join(dir, 'thrower.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, OUT, 'thrower.js'), sourcemap: 'linked', banner: { js: '// a banner\n' }, logLevel: 'silent' });
  // Run in a plain node: vitest maps the stacks of what it imports by itself.
  const run = `import { outer } from ${JSON.stringify(pathToFileURL(join(dir, OUT, 'thrower.js')).href)}; try { outer({ n: 1 }); } catch (err) { process.stdout.write(err.stack); }`;
  stack = execFileSync(process.execPath, ['--input-type=module', '-e', run], { encoding: 'utf8' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sourceMappedStack', () => {
  it('points frames in a built file at the TypeScript lines, and leaves the message and other frames as they are', () => {
    expect(stack).toContain(`${pathToFileURL(join(dir, OUT, 'thrower.js')).href}:`);
    const mapped = sourceMappedStack(stack, new SourceMaps());
    const lines = mapped.split('\n');
    expect(lines[0]).toBe('TypeError: a bug');
    expect(lines[1]).toMatch(new RegExp(`at inner \\(${escape(join(dir, 'thrower.ts'))}:8:\\d+\\)$`));
    expect(lines[2]).toMatch(new RegExp(`at .*outer \\(${escape(join(dir, 'thrower.ts'))}:4:\\d+\\)$`));
    expect(mapped).not.toContain('thrower.js');
    // The caller's frame has no map.
    expect(lines[3]).toContain('[eval');
    expect(lines.slice(3).join('\n')).toBe(stack.split('\n').slice(3).join('\n'));
  });

  it('keeps a location on a line the map says nothing of, and one in a file with no map or a broken one', () => {
    const maps = new SourceMaps();
    const built = pathToFileURL(join(dir, OUT, 'thrower.js')).href;
    expect(sourceMappedStack(`Error: x\n    at ${built}:1:1`, maps)).toBe(`Error: x\n    at ${built}:1:1`);
    writeFileSync(join(dir, 'broken.js'), '');
    writeFileSync(join(dir, 'broken.js.map'), '{ not json');
    // The same shape in an error's message is not a frame.
    const mapped = sourceMappedStack(`Error: no answer from ${built}:1:1 in time\n    at ${built}:9:3`, maps).split('\n');
    expect(mapped[0]).toBe(`Error: no answer from ${built}:1:1 in time`);
    expect(mapped[1]).toBe(`    at ${join(dir, 'thrower.ts')}:8:3`);
    const elsewhere = `Error: x\n    at f (${join(dir, 'broken.js')}:3:4)\n    at g (/nowhere/at/all.js:5:6)\n    at node:internal/process/task_queues:95:5`;
    expect(sourceMappedStack(elsewhere, maps)).toBe(elsewhere);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
