import type { Redis } from 'ioredis';

export interface RedisLinkOptions {
  /** Longest any one command may take before the caller falls back to this process's state. */
  commandTimeoutMs?: number;
  /** After a failed command, Redis is left alone this long (a slow Redis must not slow every request). */
  restAfterFailureMs?: number;
  /** Told once when Redis becomes unusable and once when it is back; console.warn by default. */
  warn?: (message: string) => void;
  now?: () => number;
}

const NOT_YET = 'not connected yet';
const WARN_EVERY_MS = 60_000;

/** `redis 127.0.0.1:6379`: the URL without its password, for messages. */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `redis ${u.hostname || '127.0.0.1'}:${u.port || '6379'}`;
  } catch {
    return 'redis';
  }
}

/** The database number in the URL (`/1`); 0 without one, as Redis. */
function databaseOf(url: string): number {
  try {
    const db = Number(new URL(url).pathname.split('/')[1]);
    return Number.isInteger(db) && db > 0 ? db : 0;
  } catch {
    return 0;
  }
}

/**
 * The connection to the `redis` key's server, and whether it may be used now. Every command is
 * bounded (commandTimeoutMs) and never queued while disconnected, so a request waits on Redis at
 * most that long; the users fall back to their in-process state whenever `usable` is false.
 * The client (ioredis) is imported here only, when Redis is configured, so a gateway without it
 * loads nothing more. It reconnects by itself; the warning is given once per outage.
 */
export class RedisLink {
  readonly name: string;
  /** Keys are per database, pub/sub channels are not: a channel's name carries it. */
  readonly database: number;
  private client: Redis | undefined;
  private readonly opening: Promise<void>;
  private ready = false;
  private closed = false;
  private failedAt = -Infinity;
  private failure = '';
  /** Why Redis is not usable; undefined while it is. */
  private problem: string | undefined = NOT_YET;
  /** The server refused the URL's database: ioredis carries on with database 0, this link does not. */
  private wrongDatabase: string | undefined;
  private inOutage = false;
  /** When the current outage began (this.now()). */
  private outageSince = 0;
  /** Whether this outage was told (see tellDown), and when the last one was. */
  private toldOutage = false;
  private lastToldAt = -Infinity;
  private readonly backListeners: ((outageMs: number) => void)[] = [];
  private readonly restMs: number;
  /** Tells the operator about this Redis (console.warn by default); for what uses the link too. */
  readonly warn: (message: string) => void;
  private readonly now: () => number;

  constructor(
    url: string,
    private readonly options: RedisLinkOptions = {},
  ) {
    this.name = describeRedis(url);
    this.database = databaseOf(url);
    this.restMs = options.restAfterFailureMs ?? 1_000;
    this.warn = options.warn ?? ((m) => console.warn(`moongate: warning: ${m}`));
    this.now = options.now ?? Date.now;
    this.opening = this.open(url);
  }

  /** Connected, and no command failed in the last restAfterFailureMs. */
  get usable(): boolean {
    return this.ready && this.now() - this.failedAt >= this.restMs;
  }

  /** The client, for a command to be sent now; undefined when Redis is not usable. */
  get connection(): Redis | undefined {
    return this.usable ? this.client : undefined;
  }

  /** Why Redis is not in use now, or undefined when it is. */
  get trouble(): string | undefined {
    if (this.problem !== undefined) return this.problem;
    return this.usable ? undefined : `a command failed a moment ago (${this.failure})`;
  }

  /**
   * Resolves once the first connection attempt has ended either way (at most `ms`), so a gateway
   * that starts with Redis reachable shares its limits from the first request.
   */
  async whenSettled(ms: number): Promise<void> {
    await this.opening;
    const client = this.client;
    if (!client || this.ready || this.problem !== NOT_YET) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      client.once('ready', done);
      client.once('error', done);
    });
  }

  /**
   * Called each time Redis is usable again after an outage (a reconnection, or a command that
   * worked after one failed), whether or not the outage was told, with how long it lasted.
   */
  onBack(listener: (outageMs: number) => void): void {
    this.backListeners.push(listener);
  }

  /** A command failed (timeout, connection lost): Redis rests a moment; said once per outage. */
  failed(err: unknown): void {
    this.failedAt = this.now();
    this.failure = err instanceof Error ? err.message : String(err);
    this.tellDown(this.failure);
  }

  /** A command succeeded: if Redis was in trouble, it is back. */
  succeeded(): void {
    if (this.failedAt === -Infinity) return;
    this.failedAt = -Infinity;
    if (this.ready) this.tellBack();
  }

  /**
   * A second connection to the same server with the same options, for SUBSCRIBE (which takes a
   * connection over). Unlike the command connection it queues what it is given while disconnected
   * and keeps it through every reconnection: a subscription is sent whenever Redis is reachable, and
   * nothing waits on it. Not connected yet; undefined once closed or without ioredis.
   */
  async duplicate(): Promise<Redis | undefined> {
    await this.opening;
    if (this.closed || !this.client) return undefined;
    return this.client.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      // It only listens, so no failed command would tell that a NAT or firewall dropped it while
      // idle: TCP keep-alive probes from 30 s idle (not the OS's 2 hours) do, and it reconnects.
      keepAlive: 30_000,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    // disconnect, not quit: quit waits for an answer, and shutdown must not hang on a dead Redis.
    this.client?.disconnect(false);
  }

  private async open(url: string): Promise<void> {
    let RedisClient: typeof Redis;
    try {
      ({ Redis: RedisClient } = await import('ioredis'));
    } catch (err) {
      this.down(`the ioredis package could not be loaded (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    if (this.closed) return;
    const timeout = this.options.commandTimeoutMs ?? 50;
    const client = new RedisClient(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeout,
      connectTimeout: 1_000,
      // Keep trying while the gateway runs, at most every 2 s.
      retryStrategy: (times) => Math.min(100 * times, 2_000),
      // A primary demoted by a failover answers READONLY on a connection that stays up: only a new
      // connection (a new DNS lookup) reaches the new primary. The failed command is not resent.
      // Redis 6 wraps a script's READONLY in 'ERR Error running script ... -READONLY'.
      reconnectOnError: (err) => /\bREADONLY\b/.test(err.message),
    });
    this.client = client;
    client.on('ready', () => {
      if (this.wrongDatabase !== undefined) return this.down(this.wrongDatabase);
      this.ready = true;
      this.problem = undefined;
      this.failedAt = -Infinity;
      this.tellBack();
    });
    client.on('error', (err: Error & { command?: { name?: string; args?: unknown[] } }) => {
      if (err.command?.name === 'select') {
        this.wrongDatabase = `${err.message} (database ${String(err.command.args?.[0])} in the redis URL; fix it and restart)`;
      }
      this.down(this.wrongDatabase ?? (err.message || err.name));
    });
    client.on('close', () => this.down(this.problem ?? 'connection closed'));
    client.connect().catch(() => {
      // Told by the 'error' event; ioredis goes on reconnecting.
    });
  }

  private down(problem: string): void {
    if (this.closed) return;
    this.ready = false;
    this.problem = problem;
    this.tellDown(problem);
  }

  /**
   * Once per outage, and at most once a minute: a Redis that keeps missing the command timeout
   * (an overloaded host) would otherwise fill the console with pairs of down / back lines.
   */
  private tellDown(problem: string): void {
    if (this.inOutage || this.closed) return;
    this.inOutage = true;
    const now = this.now();
    this.outageSince = now;
    this.toldOutage = now - this.lastToldAt >= WARN_EVERY_MS;
    if (!this.toldOutage) return;
    this.lastToldAt = now;
    this.warn(
      `${this.name} is not usable (${problem}): limits, budgets and provider health are kept in this process until it is back, so replicas do not share them meanwhile`,
    );
  }

  private tellBack(): void {
    if (!this.inOutage) return;
    this.inOutage = false;
    if (this.toldOutage) this.warn(`${this.name} is usable again: limits, budgets and provider health are shared again`);
    const outageMs = this.now() - this.outageSince;
    for (const listener of this.backListeners) listener(outageMs);
  }
}
