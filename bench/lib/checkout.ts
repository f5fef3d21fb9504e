/** Where the benchmark runs from, and what it measures: the checkout's root and commit. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The moongate package's root above `from` (the harness runs from node_modules/.cache). */
export function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'moongate') return dir;
    if (dirname(dir) === dir) throw new Error(`no moongate package.json above ${from}`);
  }
}

/** The commit measured, and how many files under src/ differ from it. */
export function gitInfo(root: string): { commit: string | null; dirty_src_files: number | null } {
  const git = (...a: string[]): string | null => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', 'HEAD'), dirty_src_files: status === null ? null : status.split('\n').filter(Boolean).length };
}
