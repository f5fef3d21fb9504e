/** Where a CPU profile's frames belong: a file or package, and an area of the request path. */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** Where a function lives: Moongate's code (src path), a package, node internals or V8. */
export function where(url: string): string {
  if (url === '') return '(v8/native)';
  if (url.startsWith('node:')) return url;
  const bench = /\/moongate-bench\/(.+)\.js$/.exec(url);
  if (bench) return `bench/${bench[1]}.ts`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // A frame of the bundle its source map does not cover (a chunk's top-level code, say).
  const bundle = /\/dist\/bundle\/(.+)\.js$/.exec(url);
  if (bundle) return `(bundle) ${bundle[1]}.js`;
  // The last `dist/` or `src/` in the path: a checkout may itself live under a folder named so.
  const dist = /^.*\/dist\/(.+)\.js$/.exec(url);
  if (dist) return `src/${dist[1]}.ts`;
  const src = /^.*\/(src\/.+\.ts)$/.exec(url);
  if (src) return src[1]!;
  return url.replace(/^file:\/\//, '');
}
/**
 * The part of the request path a frame's self time belongs to: Moongate's code by its top-level
 * folder, Node's by what it does (socket writes, HTTP, streams, timers), and start-up apart.
 */
export function areaOf(f: CallFrame): string {
  const name = f.functionName;
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8: (program)';
  if (f.url === '') {
    if (/^(writev|writeBuffer|write\w*String|writeLatin1String)$/.test(name)) return 'socket writes (writev)';
    if (/^(read|readStart|readStop|onStreamRead|close|shutdown)$/.test(name)) return 'node: net, streams, buffers';
    if (name === 'GenericJSToWasmWrapper') return 'undici';
    if (name === 'runMicrotasks') return 'node: events, timers, ticks';
    if (/^(compile\w*|getCLIOptionsValues|fstat|readFileUtf8|Module|ModuleWrap|openFileHandle|set natives|internalModuleStat|realpath)$/.test(name)) return 'start-up: module loading';
    return 'V8 and native, other';
  }
  const w = where(f.url);
  // A bundle frame its source map does not cover is a chunk's top-level code, which runs as it loads.
  if (/^node:internal\/(modules|bootstrap|main|process\/pre_execution)|^\(bundle\)/.test(w)) return 'start-up: module loading';
  if (/^node:_http|^node:http/.test(w)) return 'node: http';
  if (/^node:(net|internal\/stream|internal\/streams|stream|string_decoder|buffer|internal\/buffer)/.test(w)) return 'node: net, streams, buffers';
  if (/^node:(events|internal\/timers|timers|internal\/process|internal\/async_hooks)/.test(w)) return 'node: events, timers, ticks';
  if (w.startsWith('node:')) return 'node: other';
  if (w === 'undici' || w.startsWith('wasm:')) return 'undici'; // llhttp, undici's HTTP parser, is WebAssembly
  const src = /^src\/([^/]+)/.exec(w);
  if (src) {
    const dir = src[1]!;
    if (dir === 'server') return 'Moongate: server (auth, body, checks, answer)';
    if (dir === 'router' || dir === 'credentials') return 'Moongate: router (routes, limits, attempts)';
    if (dir === 'providers' || dir === 'upstream') return 'Moongate: provider conversion, upstream';
    if (dir === 'logs' || dir === 'store' || dir === 'pricing' || dir === 'keys') return 'Moongate: logs, store, pricing, keys';
    if (dir === 'metrics') return 'Moongate: metrics';
    return `Moongate: ${dir}`;
  }
  return w.startsWith('bench/') ? w : `package: ${w}`;
}
