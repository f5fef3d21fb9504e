import { describe, expect, it } from 'vitest';
import { areaOf, where } from '../../bench/lib/profile-areas.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

describe('where', () => {
  it('names Moongate files, packages, node internals and the harness', () => {
    expect(where('file:///work/main/src/server/auth.ts')).toBe('src/server/auth.ts');
    expect(where('file:///work/main/dist/router/router.js')).toBe('src/router/router.ts');
    expect(where('file:///work/main/node_modules/undici/lib/dispatcher/client-h1.js')).toBe('undici');
    expect(where('file:///work/main/node_modules/@libsql/client/lib-esm/sqlite3.js')).toBe('@libsql/client');
    expect(where('node:_http_server')).toBe('node:_http_server');
    expect(where('file:///work/main/node_modules/.cache/moongate-bench/baseline-proxy.js')).toBe('bench/baseline-proxy.ts');
    expect(where('file:///work/main/dist/bundle/chunk-ABC.js')).toBe('(bundle) chunk-ABC.js');
    expect(where('')).toBe('(v8/native)');
    // a checkout under a folder itself named src/ or dist/
    expect(where('file:///home/u/src/moongate/src/server/auth.ts')).toBe('src/server/auth.ts');
    expect(where('file:///srv/dist/moongate/dist/router/router.js')).toBe('src/router/router.ts');
  });
});

describe('areaOf', () => {
  it.each([
    [frame('writev', ''), 'socket writes (writev)'],
    [frame('(garbage collector)', ''), 'garbage collection'],
    [frame('(program)', ''), 'V8: (program)'],
    [frame('runMicrotasks', ''), 'node: events, timers, ticks'],
    [frame('compileSourceTextModule', 'node:internal/modules/esm/utils'), 'start-up: module loading'],
    [frame('compileForInternalLoader', ''), 'start-up: module loading'],
    [frame('parserOnHeadersComplete', 'node:_http_common'), 'node: http'],
    [frame('onStreamRead', 'node:internal/stream_base_commons'), 'node: net, streams, buffers'],
    [frame('Readable.push', 'node:internal/streams/readable'), 'node: net, streams, buffers'],
    [frame('processTicksAndRejections', 'node:internal/process/task_queues'), 'node: events, timers, ticks'],
    [frame('resolve', 'node:path'), 'node: other'],
    [frame('writeH1', 'file:///w/node_modules/undici/lib/dispatcher/client-h1.js'), 'undici'],
    [frame('execute', 'wasm://wasm/00034eea'), 'undici'],
    [frame('authenticate', 'file:///w/src/server/auth.ts'), 'Moongate: server (auth, body, checks, answer)'],
    [frame('authenticate', 'file:///home/u/src/moongate/src/server/auth.ts'), 'Moongate: server (auth, body, checks, answer)'],
    [frame('FastBuffer', 'node:internal/buffer'), 'node: net, streams, buffers'],
    [frame('attempt', 'file:///w/src/router/router.ts'), 'Moongate: router (routes, limits, attempts)'],
    [frame('onData', 'file:///w/src/providers/moonshot/transform-stream.ts'), 'Moongate: provider conversion, upstream'],
    [frame('push', 'file:///w/src/upstream/upstream-body.ts'), 'Moongate: provider conversion, upstream'],
    [frame('enqueue', 'file:///w/src/logs/log-writer.ts'), 'Moongate: logs, store, pricing, keys'],
    [frame('observe', 'file:///w/src/metrics/plain-metrics.ts'), 'Moongate: metrics'],
    [frame('runStart', 'file:///w/src/cli/start-command.ts'), 'Moongate: cli'],
    [frame('parse', 'file:///w/node_modules/zod/index.js'), 'package: zod'],
    [frame('handle', 'file:///w/node_modules/.cache/moongate-bench/baseline-proxy.js'), 'bench/baseline-proxy.ts'],
    [frame('someNative', ''), 'V8 and native, other'],
  ])('%o → %s', (f, area) => {
    expect(areaOf(f)).toBe(area);
  });
});
