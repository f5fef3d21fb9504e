/**
 * Loads the gateway config: a YAML file (`options.file`, else `MOONGATE_CONFIG`) or, without one,
 * defaults plus environment variables. Every problem is reported at once, one per line, naming the
 * key and `file:line:col`; a config with any problem throws `ConfigError` and nothing starts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LineCounter, isAlias, isScalar, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { checkMasterKey, checkRedis, checkStore } from './check-values.js';
import { parseCorsOrigin } from './cors-origin.js';
import { defaultConfig } from './defaults.js';
import { configFromEnvironment } from './env-config.js';
import { describeKind, parseWith } from './format-issues.js';
import { locateYamlNode } from './locate-yaml-node.js';
import { normalizeModels } from './normalize-models.js';
import { normalizePricing } from './normalize-pricing.js';
import { normalizeProviders } from './normalize-providers.js';
import { ConfigError, ProblemList, formatPath, unknownKeyMessage } from './problems.js';
import type { ConfigPath, ConfigProblem } from './problems.js';
import { resolveEnvRefs } from './resolve-env-refs.js';
import type { EnvOrigins } from './resolve-env-refs.js';
import {
  TOP_LEVEL_KEYS,
  loggingSchema,
  masterKeySchema,
  redisSchema,
  routerSchema,
  serverSchema,
  storeSchema,
} from './schema.js';
import type { GatewayConfig } from './types.js';

export { ConfigError } from './problems.js';
export { configWarnings } from './warnings.js';

export interface LoadOptions {
  /** Config file path; defaults to `env.MOONGATE_CONFIG`. No file → defaults + environment. */
  file?: string;
  /** Environment for `env:` references and the no-file variables; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides (`--port`, `--host`), applied last. */
  overrides?: { port?: number; host?: string };
}

/** YAML library messages can quote source text (which may be a secret): keep the part before any ": ". */
function yamlMessage(message: string): string {
  return message.replace(/:\s[\s\S]*$/, '').replace(/\s+at line \d+[\s\S]*$/, '');
}

/** One line per problem, in file order: `file:line:col: key.path: message`. */
function formatProblems(source: string, doc: Document, lineCounter: LineCounter, problems: readonly ConfigProblem[]): string[] {
  return problems
    .map((problem) => {
      const pos = locateYamlNode(doc, lineCounter, problem.path);
      const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
      const text = problem.path.length ? `${where}: ${formatPath(problem.path)}: ${problem.message}` : `${where}: ${problem.message}`;
      return { text, line: pos?.line ?? 0, col: pos?.col ?? 0 };
    })
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map((p) => p.text);
}

/** The YAML library says only "Map keys must be unique": name the key, found by where it starts. */
function duplicateKeyMessage(doc: Document, offset: number): string {
  let key: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        key = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return key === undefined ? 'map keys must be unique' : `duplicate key ${JSON.stringify(key)} (each key may appear once in a map)`;
}

function syntaxProblems(source: string, doc: Document, lineCounter: LineCounter): string[] {
  const lines: string[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    const message =
      err.code === 'MULTIPLE_DOCS'
        ? 'the config must be a single YAML document (remove the "---" line)'
        : err.code === 'DUPLICATE_KEY'
          ? duplicateKeyMessage(doc, err.pos[0])
          : yamlMessage(err.message);
    lines.push(`${source}:${line}:${col}: ${message}`);
  }
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        const pos = node.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
        lines.push(`${source}:${pos.line}:${pos.col}: alias *${node.source} has no anchor &${node.source} before it`);
      }
    },
  });
  return lines;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A top-level section: absent or empty (`server:` with nothing under it) means all defaults. */
function section<T extends z.ZodType>(schema: T, value: unknown, path: ConfigPath, problems: ProblemList): z.output<T> | undefined {
  return value === undefined || value === null ? undefined : parseWith(schema, value, path, problems);
}

/** Builds the config from already-parsed, env-resolved YAML data; problems go to `problems`. */
function buildConfig(data: Record<string, unknown>, source: string, problems: ProblemList): GatewayConfig {
  const config = defaultConfig(source);
  const known: readonly string[] = TOP_LEVEL_KEYS;
  for (const key of Object.keys(data)) {
    if (!known.includes(key)) problems.add([key], unknownKeyMessage(key, known));
  }

  const server = section(serverSchema, data.server, ['server'], problems);
  if (server?.host !== undefined) config.server.host = server.host;
  if (server?.port !== undefined) config.server.port = server.port;
  if (server?.max_body_mb !== undefined) config.server.max_body_mb = server.max_body_mb;
  if (server?.drain_timeout_ms !== undefined) config.server.drain_timeout_ms = server.drain_timeout_ms;
  if (server?.cors_origins !== undefined) config.server.cors_origins = corsOrigins(server.cors_origins, problems);

  if (data.master_key === '') {
    problems.add(['master_key'], 'must not be empty; remove master_key to run in open local mode (no gateway authentication)');
  } else if (data.master_key !== undefined && data.master_key !== null) {
    const masterKey = parseWith(masterKeySchema, data.master_key, ['master_key'], problems);
    const p = masterKey === undefined ? undefined : checkMasterKey(masterKey);
    if (p) problems.add(['master_key'], p);
    else if (masterKey !== undefined) config.master_key = masterKey;
  }

  if (data.store !== undefined && data.store !== null) {
    const store = parseWith(storeSchema, data.store, ['store'], problems);
    const p = store === undefined ? undefined : checkStore(store);
    if (p) problems.add(['store'], p);
    else if (store !== undefined) config.store = store;
  }

  if (data.redis !== undefined && data.redis !== null) {
    const redis = parseWith(redisSchema, data.redis, ['redis'], problems);
    const p = redis === undefined ? undefined : checkRedis(redis);
    if (p) problems.add(['redis'], p);
    else if (redis !== undefined) config.redis = redis;
  }

  if (config.server.cors_origins.length > 0 && config.master_key === undefined && (data.master_key === undefined || data.master_key === null)) {
    problems.add(
      ['server', 'cors_origins'],
      'needs master_key: in open local mode any page on those origins could spend your provider keys through the browser of whoever runs the gateway',
    );
  }

  const logging = section(loggingSchema, data.logging, ['logging'], problems);
  if (logging?.bodies !== undefined) config.logging.bodies = logging.bodies;
  if (logging?.max_body_kb !== undefined) config.logging.max_body_kb = logging.max_body_kb;
  if (logging?.retention_days !== undefined) config.logging.retention_days = logging.retention_days;

  const router = section(routerSchema, data.router, ['router'], problems);
  if (router?.retries !== undefined) config.router.retries = router.retries;
  if (router?.timeout_ms !== undefined) config.router.timeout_ms = router.timeout_ms;
  if (router?.first_token_timeout_ms !== undefined) config.router.first_token_timeout_ms = router.first_token_timeout_ms;
  if (router?.cooldown?.fails !== undefined) config.router.cooldown.fails = router.cooldown.fails;
  if (router?.cooldown?.seconds !== undefined) config.router.cooldown.seconds = router.cooldown.seconds;
  if (router?.cooldown?.window_seconds !== undefined) config.router.cooldown.window_seconds = router.cooldown.window_seconds;
  for (const key of ['idle_timeout_ms', 'stream_keepalive_ms', 'connect_timeout_ms', 'backoff_ms', 'max_queue_wait_ms', 'max_queue_size', 'disabled_recheck_seconds'] as const) {
    const value = router?.[key];
    if (value !== undefined) config.router[key] = value;
  }

  const { providers, names } = normalizeProviders(data.providers, problems);
  config.providers = providers;
  config.models = normalizeModels(data.models, names, problems);
  config.pricing = normalizePricing(data.pricing, providers, names, problems);
  return config;
}

/** `server.cors_origins` in the form browsers send (see parseCorsOrigin); each bad entry is a problem. */
function corsOrigins(entries: readonly string[], problems: ProblemList): string[] {
  const origins: string[] = [];
  entries.forEach((entry, i) => {
    const parsed = parseCorsOrigin(entry);
    if ('problem' in parsed) problems.add(['server', 'cors_origins', i], parsed.problem);
    else origins.push(parsed.origin);
  });
  return origins;
}

/** A value that came from `env:NAME` is fixed in the environment, not the file: say which variable. */
function withEnvOrigin(problem: ConfigProblem, origins: EnvOrigins): ConfigProblem {
  const variable = origins.get(formatPath(problem.path));
  return variable === undefined ? problem : { ...problem, message: `${problem.message} (from environment variable ${variable})` };
}

/** Parses and validates config text. `sourceName` is used in messages and as `config.source`. */
export function parseConfigText(text: string, sourceName: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const syntax = syntaxProblems(sourceName, doc, lineCounter);
  if (syntax.length) throw new ConfigError(syntax);

  let parsed: unknown;
  try {
    parsed = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ConfigError(`${sourceName}: ${yamlMessage(err instanceof Error ? err.message : String(err))}`);
  }

  const problems = new ProblemList();
  const origins: EnvOrigins = new Map();
  const data = resolveEnvRefs(parsed ?? {}, env, problems, origins);
  let config: GatewayConfig | undefined;
  if (isMap(data)) {
    config = buildConfig(data, sourceName, problems);
  } else {
    problems.add([], `the config must be a map of settings (server, providers, models, …), got ${describeKind(data)}`);
  }
  if (problems.size || !config) {
    throw new ConfigError(formatProblems(sourceName, doc, lineCounter, problems.items.map((p) => withEnvOrigin(p, origins))));
  }
  return config;
}

function applyOverrides(config: GatewayConfig, overrides: LoadOptions['overrides']): GatewayConfig {
  if (!overrides) return config;
  const problems: string[] = [];
  if (overrides.port !== undefined) {
    if (!Number.isInteger(overrides.port) || overrides.port < 0 || overrides.port > 65535) {
      problems.push('command line: --port: must be an integer from 0 to 65535');
    } else {
      config.server.port = overrides.port;
    }
  }
  if (overrides.host !== undefined) {
    if (overrides.host.trim() === '') problems.push('command line: --host: must not be empty');
    else config.server.host = overrides.host;
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * Far above any real config (a long pricing table is tens of KB). Past it, a file is not the
 * config: the YAML parser alone took ~10 s on 1 MB and minutes on 25 MB, with nothing said, and
 * a device such as /dev/zero was read until memory ran out.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readConfigFile(file: string): string {
  let bytes: Buffer | undefined;
  try {
    bytes = readAtMost(file, MAX_CONFIG_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: config file not found`);
    if (code === 'EISDIR') throw new ConfigError(`${file}: is a directory, not a config file`);
    throw new ConfigError(`${file}: cannot read config file (${code ?? String(err)})`);
  }
  if (bytes === undefined) throw new ConfigError(`${file}: is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB, far more than any config; is this the right file?`);
  // YAML text never holds a NUL byte; a binary file, or text saved as UTF-16 (Windows' "Unicode"),
  // does, and was reported as "the config must be a map …, got a string".
  if (bytes.includes(0)) {
    throw new ConfigError(`${file}: is not UTF-8 text (it contains NUL bytes: a binary file, or text saved as UTF-16); save the config as UTF-8`);
  }
  return bytes.toString('utf8');
}

/**
 * The file's bytes, or undefined when it holds more than `limit`. Read in pieces rather than
 * sized up first, so that pipes (`--config /dev/stdin`, `<(…)`) work and endless devices stop.
 */
function readAtMost(file: string, limit: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const piece = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, piece, 0, piece.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > limit) return undefined;
      chunks.push(Buffer.from(piece.subarray(0, n)));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The config to run with. File: `options.file`, else `env.MOONGATE_CONFIG` (an empty value counts
 * as unset). Without a file: defaults plus MOONSHOT_API_KEY and friends (see env-config.ts).
 * Throws `ConfigError` listing every problem.
 */
export function loadConfig(options: LoadOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.file || env.MOONGATE_CONFIG || undefined;
  const config = file ? parseConfigText(readConfigFile(file), file, env) : configFromEnvironment(env);
  return applyOverrides(config, options.overrides);
}
