import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A stack trace with each frame in a built file (the CLI's bundle chunks, tsc's `dist/`) pointed
 * back at its TypeScript source, read from the `.map` file beside it.
 *
 * Node's `--enable-source-maps` would do this for every stack, but it reads and keeps every map
 * as each module loads: megabytes of idle memory for stacks printed only when something went
 * wrong. This reads a map only when a stack needs it (the first costs the event loop ~50-130 ms
 * and ~5-11 MB of heap per chunk), and keeps it for the next one until `forget()`.
 */
export function sourceMappedStack(stack: string, maps: SourceMaps = defaultMaps): string {
  return stack.replace(FRAME_LOCATION, (location: string, file: string, line: string, column: string) => {
    const original = maps.original(file, Number(line), Number(column));
    return original ?? location;
  });
}

/**
 * `file:///a/b.js:12:34` or `/a/b.js:12:34` at the end of a frame line (before its `)`), as V8
 * writes a frame's location: not text of the same shape in the error's message.
 */
const FRAME_LOCATION = /((?:file:\/\/)?\/\S*?\.[cm]?js):(\d+):(\d+)(?=\)?$)/gm;

/** Source maps read on demand, by the generated file's path or URL; files without one are remembered as such. */
export class SourceMaps {
  private readonly byFile = new Map<string, { map: SourceMap; dir: string } | null>();

  /** Drops the maps read so far (they are large; errors are rare). */
  forget(): void {
    this.byFile.clear();
  }

  /** `path:line:column` in the original source (1-based, as in stacks), or undefined when no map says. */
  original(file: string, line: number, column: number): string | undefined {
    const loaded = this.load(file);
    if (!loaded) return undefined;
    const entry = loaded.map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number; generatedLine?: number };
    // findEntry gives the nearest mapping before the position, even from an earlier line: a
    // line with no mapping of its own (the bundle's banner, say) keeps its generated location.
    if (entry.originalSource === undefined || entry.generatedLine !== line - 1) return undefined;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(loaded.dir, entry.originalSource);
    return `${source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
  }

  private load(file: string): { map: SourceMap; dir: string } | null {
    let loaded = this.byFile.get(file);
    if (loaded === undefined) {
      loaded = null;
      try {
        const path = file.startsWith('file://') ? fileURLToPath(file) : file;
        loaded = { map: new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))), dir: dirname(path) };
      } catch {
        // No map, or not one we can read: the frame stays as V8 wrote it.
      }
      this.byFile.set(file, loaded);
    }
    return loaded;
  }
}

const defaultMaps = new SourceMaps();

/** Drops the maps sourceMappedStack has read. */
export function forgetSourceMaps(): void {
  defaultMaps.forget();
}
