import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { statusForType } from './errors.js';
import { isRecord } from './json.js';

/** Same relative URL from src/sim/ and dist/sim/: both sit two levels below the package root. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/moonshot-wire/', import.meta.url));

export type FixtureReplay =
  | { kind: 'json'; status: number; body: string }
  | { kind: 'chunks'; lines: string[] };

interface FixtureSet {
  json: Map<string, string>;
  chunks: Map<string, string[]>;
}

/** Captured Moonshot responses, read once on first use so the request path never touches the disk. */
export class FixtureStore {
  private loading: Promise<FixtureSet> | undefined;

  constructor(private readonly dir: string = FIXTURE_DIR) {}

  async names(): Promise<string[]> {
    const set = await this.load();
    return [...new Set([...set.json.keys(), ...set.chunks.keys()])].sort();
  }

  /**
   * Picks the file matching the request's transport; when only one exists it is served with its own
   * transport (a `.json` error body as an HTTP error, a `.chunks.txt` as a stream).
   */
  async replay(name: string, stream: boolean): Promise<FixtureReplay | undefined> {
    const set = await this.load();
    const json = set.json.get(name);
    const chunks = set.chunks.get(name);
    if (stream && chunks) return { kind: 'chunks', lines: chunks };
    if (json !== undefined) return { kind: 'json', status: jsonStatus(json), body: json };
    if (chunks) return { kind: 'chunks', lines: chunks };
    return undefined;
  }

  private load(): Promise<FixtureSet> {
    this.loading ??= loadDir(this.dir);
    return this.loading;
  }
}

async function loadDir(dir: string): Promise<FixtureSet> {
  const set: FixtureSet = { json: new Map(), chunks: new Map() };
  const files = await readdir(dir);
  await Promise.all(
    files.map(async (file) => {
      if (file.endsWith('.chunks.txt')) {
        const text = await readFile(dir + file, 'utf8');
        set.chunks.set(file.slice(0, -'.chunks.txt'.length), splitLines(text));
      } else if (file.endsWith('.json')) {
        set.json.set(file.slice(0, -'.json'.length), await readFile(dir + file, 'utf8'));
      }
    }),
  );
  return set;
}

/** One SSE payload per line; the files may or may not end with a newline. */
export function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

function jsonStatus(body: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 200;
  }
  if (!isRecord(parsed) || !isRecord(parsed.error)) return 200;
  const type = parsed.error.type;
  return statusForType(typeof type === 'string' ? type : undefined);
}
