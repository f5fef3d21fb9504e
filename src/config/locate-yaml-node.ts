/**
 * Maps a config key path (`['providers', 'moonshot', 'credentials', 1, 'region']`) to the line and
 * column of the YAML text it came from, so problems can name `file:line:col`.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter } from 'yaml';
import type { ConfigPath } from './problems.js';

export interface YamlPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

function positionOf(node: unknown, lineCounter: LineCounter): YamlPosition | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!range) return undefined;
  return lineCounter.linePos(range[0]);
}

function resolveAlias(node: unknown, doc: Document): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

/**
 * Where `path` is in `doc`: the key of a map entry, or the item of a list. When the path goes
 * further than the document (a required key is missing), the deepest existing part is given.
 */
export function locateYamlNode(doc: Document, lineCounter: LineCounter, path: ConfigPath): YamlPosition | undefined {
  let node: unknown = resolveAlias(doc.contents, doc);
  let found = positionOf(node, lineCounter);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      found = positionOf(pair.key, lineCounter) ?? positionOf(pair.value, lineCounter) ?? found;
      node = resolveAlias(pair.value, doc);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      found = positionOf(item, lineCounter) ?? found;
      node = resolveAlias(item, doc);
    } else {
      break;
    }
  }
  return found;
}

