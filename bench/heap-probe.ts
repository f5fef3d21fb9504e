/**
 * Preloaded into a process under the soak (`node --expose-gc --import heap-probe.js …`): on
 * SIGUSR2 it runs full collections, then appends one JSON line with what is still live to the file
 * named by MOONGATE_HEAP_PROBE_FILE. What survives a full collection at a quiet moment is what the
 * process holds on to; read at intervals under a steady load, its growth is a leak's.
 * Benchmark-only: Moongate itself has no such hook.
 */
import { appendFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const file = process.env.MOONGATE_HEAP_PROBE_FILE;
const collect = (globalThis as { gc?: () => void }).gc;

// Worker threads inherit the preload; signals reach the main thread only.
if (isMainThread && file) {
  if (!collect) throw new Error('heap-probe: run node with --expose-gc');
  process.on('SIGUSR2', () => {
    // Twice: objects freed by the first collection's finalizers and weak callbacks go in the second.
    collect();
    collect();
    const heap = getHeapStatistics();
    const memory = process.memoryUsage();
    const reading = {
      at: Date.now(),
      live_heap_bytes: heap.used_heap_size,
      heap_total_bytes: heap.total_heap_size,
      external_bytes: memory.external,
      array_buffers_bytes: memory.arrayBuffers,
      rss_bytes: memory.rss,
    };
    appendFileSync(file, `${JSON.stringify(reading)}\n`);
  });
}
