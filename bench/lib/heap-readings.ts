/** Reading a process started with heap-probe.js: what is live after full collections, on demand. */
import { existsSync, readFileSync } from 'node:fs';
import { askProbe, type Child } from './processes.js';

export interface HeapReading {
  at: number;
  live_heap_bytes: number;
  heap_total_bytes: number;
  external_bytes: number;
  array_buffers_bytes: number;
  rss_bytes: number;
}

/**
 * Signals the probe and waits for its line: full collections first, so it takes a moment. A line
 * counts once the file ends with its newline (a reader can see an append half written).
 */
export function readHeap(child: Child, probeFile: string, timeoutMs = 15_000): Promise<HeapReading> {
  const before = completeLines(probeFile).length;
  const newLine = (): HeapReading | undefined => {
    const lines = completeLines(probeFile);
    return lines.length > before ? (JSON.parse(lines.at(-1)!) as HeapReading) : undefined;
  };
  return askProbe(child, newLine, 'heap reading (is heap-probe.js loaded?)', timeoutMs);
}

function completeLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}
