import type { DeploymentHealth, Disabling, HealthListener, Rest } from '../router/deployment-health.js';
import { LuaScript } from './lua-script.js';
import type { RedisLink } from './redis-link.js';

export interface SharedHealthOptions {
  /** Namespace of every key (`moongate:`); health lives under `<prefix>health:`. */
  prefix: string;
  /** How often the replicas' findings are read: how late another replica's cooldown is seen here. */
  refreshMs?: number;
  now?: () => number;
}

/** Makes sure the hash outlives the entry just written (ARGV[3]: ttl ms). */
const OUTLIVE = `
local ttl = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
`;

/** HSET, and make sure the hash outlives the entry (ARGV: field, value, ttl ms). */
const PUT = new LuaScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
${OUTLIVE}
return 1
`);

/** The entry's field as a number, or nil (\`until\` is a Lua keyword: read by name). */
const FIELD = `
local function field(text, name)
  if not text then return nil end
  local ok, entry = pcall(cjson.decode, text)
  if not ok or type(entry) ~= 'table' then return nil end
  return tonumber(entry[name])
end
`;

/**
 * A rest, unless the one there ends no sooner (ARGV: deployment, rest, ttl ms, its end). Both ends
 * are in Redis' time. Without this, a shorter rest written later (a 429 asking for 5 s on one
 * replica, after another's breaker opened for a minute) would bring the deployment back early
 * everywhere. Returns 1 if written.
 */
const PUT_REST = new LuaScript(`${FIELD}
local ends = field(redis.call('HGET', KEYS[1], ARGV[1]), 'until')
if ends and ends >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
${OUTLIVE}
return 1
`);

/**
 * Ends a rest on a recovery (ARGV: deployment, when the attempt that succeeded began, Redis' time).
 * A rest that began after that attempt was sent stands: the success says nothing about it (a 429
 * another replica got meanwhile), as on one replica. Returns 1 if removed.
 */
const END_REST = new LuaScript(`${FIELD}
local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
local began = field(text, 'openedAt')
if began and began > tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`);

/** An entry past its end is left this long (seen as over, not as recovered), then deleted. */
const KEEP_ENDED_MS = 60_000;

/**
 * How far Redis' clock must move from this replica's before the offset is taken again: small
 * wobbles (the round trip) would otherwise change an entry's times a little on every read.
 */
const CLOCK_STEP_MS = 1_000;

/**
 * Provider health shared by replicas (the `redis` key): what one replica finds out (a deployment
 * resting after failures or a 429, a credential disabled after a 401 or no balance, and their
 * recovery) is written to two Redis hashes; every replica reads them every `refreshMs` into its
 * own DeploymentHealth. Requests read only the local state, so health costs no Redis round trip
 * per request; another replica's finding is seen here at most `refreshMs` later. Failure counts
 * towards a breaker and probes stay per replica.
 */
export class SharedHealth implements HealthListener {
  private readonly restsKey: string;
  private readonly disabledKey: string;
  /** What this replica took from the others: deployment → openedAt, credential → at. */
  private readonly adoptedRests = new Map<string, number>();
  private readonly adoptedDisabled = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  /**
   * Redis' clock minus this replica's, read with every refresh. Entries are written in Redis' time
   * and read back in this replica's, so replicas whose clocks differ agree on when a rest ends.
   */
  private clockOffset = 0;
  private clockKnown = false;

  constructor(
    private readonly link: RedisLink,
    private readonly health: DeploymentHealth,
    options: SharedHealthOptions,
  ) {
    this.restsKey = `${options.prefix}health:rests`;
    this.disabledKey = `${options.prefix}health:disabled`;
    this.now = options.now ?? Date.now;
    health.setListener(this);
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? 1_000);
    this.timer.unref();
  }

  // What this replica shares is tracked like what it takes from the others: another replica that
  // lifts it (an admin's credential test, a probe that worked) lifts it here on the next refresh,
  // even if none ran between the finding and the lifting. Tracked once it is in Redis (a finding
  // that is not there cannot be lifted through it); a rest not written because a longer one was
  // there is not tracked: the longer one is taken at the next refresh.
  rested(deployment: string, rest: Rest): void {
    this.inRedisTime((client) =>
      PUT_REST.run(client, [this.restsKey], [deployment, this.entryText(rest), this.ttlOf(rest), rest.until + this.clockOffset]).then((written) => {
        if (written === 1) this.adoptedRests.set(deployment, rest.openedAt);
      }),
    );
  }

  recovered(deployment: string, attemptBegan: number): void {
    this.adoptedRests.delete(deployment);
    // The replicas' offsets to Redis' clock may differ by up to CLOCK_STEP_MS: within that, the
    // recovery wins (a deployment kept out after it worked costs more than one 429 seen again).
    this.inRedisTime((client) => END_REST.run(client, [this.restsKey], [deployment, attemptBegan + this.clockOffset + CLOCK_STEP_MS]));
  }

  disabled(credential: string, disabling: Disabling): void {
    this.inRedisTime((client) =>
      PUT.run(client, [this.disabledKey], [credential, this.entryText(disabling), this.ttlOf(disabling)]).then(() =>
        this.adoptedDisabled.set(credential, disabling.at),
      ),
    );
  }

  enabled(credential: string): void {
    this.adoptedDisabled.delete(credential);
    this.remove(this.disabledKey, credential);
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Reads both hashes (one round trip) and brings what the others found into this replica. */
  async refresh(): Promise<void> {
    const client = this.link.connection;
    if (!client) return;
    let rests: Record<string, string>;
    let disabled: Record<string, string>;
    try {
      const [time, restsAnswer, disabledAnswer] = (await client.pipeline().time().hgetall(this.restsKey).hgetall(this.disabledKey).exec()) ?? [];
      if (time?.[0]) throw time[0];
      this.observeClock(time?.[1] as string[]);
      rests = this.hashOf(this.restsKey, restsAnswer);
      disabled = this.hashOf(this.disabledKey, disabledAnswer);
    } catch (err) {
      this.link.failed(err);
      return;
    }
    this.link.succeeded();
    const now = this.now();
    this.adopt<Rest>(this.restsKey, rests, this.adoptedRests, now, (d, rest) => {
      this.health.applyRest(d, rest);
      return rest.openedAt;
    }, (d, openedAt) => this.health.applyRecovered(d, openedAt));
    this.adopt<Disabling>(this.disabledKey, disabled, this.adoptedDisabled, now, (c, disabling) => {
      this.health.applyDisabled(c, disabling);
      return disabling.at;
    }, (c, at) => this.health.applyEnabled(c, at));
  }

  /**
   * HGETALL's answer. A key of another type (a stray write) would fail every refresh, and each
   * failure makes the replica leave Redis alone for limits too: it is deleted, and read as empty.
   */
  private hashOf(key: string, [err, value]: [Error | null, unknown] = [null, {}]): Record<string, string> {
    if (!err) return (value ?? {}) as Record<string, string>;
    if (!/\bWRONGTYPE\b/.test(err.message)) throw err;
    this.send((client) => client.del(key));
    return {};
  }

  /**
   * Applies the entries still running; an entry this replica took that has since been removed
   * has ended well (`ended`); one past its end is let go (here it runs out by itself).
   */
  private adopt<T extends Rest | Disabling>(
    key: string,
    entries: Record<string, string>,
    adopted: Map<string, number>,
    now: number,
    apply: (name: string, entry: T) => number,
    ended: (name: string, since: number) => void,
  ): void {
    const present = new Set<string>();
    const stale: string[] = [];
    for (const [name, text] of Object.entries(entries)) {
      present.add(name);
      const entry = parseEntry<T>(text, -this.clockOffset);
      if (!entry || entry.until <= now) {
        adopted.delete(name);
        if (!entry || entry.until <= now - KEEP_ENDED_MS) stale.push(name);
        continue;
      }
      adopted.set(name, apply(name, entry));
    }
    for (const [name, since] of adopted) {
      if (present.has(name)) continue;
      adopted.delete(name);
      ended(name, since);
    }
    if (stale.length > 0) this.send((client) => client.hdel(key, ...stale));
  }

  /** The entry as stored: in Redis' time. */
  private entryText(entry: Rest | Disabling): string {
    return JSON.stringify(shiftEntry(entry, this.clockOffset));
  }

  /** How long the hash must keep the entry: a while past its end. */
  private ttlOf(entry: Rest | Disabling): number {
    return Math.max(1, entry.until - this.now()) + KEEP_ENDED_MS * 2;
  }

  /**
   * Sends a command that carries times in Redis' clock. Before the first refresh (Redis just came
   * up) the offset is not known yet: the time is asked for first.
   */
  private inRedisTime(command: (client: NonNullable<RedisLink['connection']>) => Promise<unknown>): void {
    if (this.clockKnown) this.send(command);
    else {
      this.send(async (client) => {
        this.observeClock(await client.time());
        return command(client);
      });
    }
  }

  /** TIME's answer (seconds, microseconds). */
  private observeClock([seconds, micros]: (string | number)[]): void {
    const offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - this.now();
    if (!Number.isFinite(offset)) return;
    if (this.clockKnown && Math.abs(offset - this.clockOffset) < CLOCK_STEP_MS) return;
    this.clockOffset = offset;
    this.clockKnown = true;
  }

  private remove(key: string, field: string): void {
    this.send((client) => client.hdel(key, field));
  }

  /** Fire and forget: a finding that cannot be shared now stays this replica's. */
  private send(command: (client: NonNullable<RedisLink['connection']>) => Promise<unknown>): void {
    const client = this.link.connection;
    if (!client) return;
    command(client).then(
      () => this.link.succeeded(),
      (err: unknown) => this.link.failed(err),
    );
  }
}

/** The entry with its times moved by `ms` (from this replica's clock to Redis' or back). */
function shiftEntry<T extends Rest | Disabling>(entry: T, ms: number): T {
  const out: Partial<Rest & Disabling> = { ...entry, until: entry.until + ms };
  if (typeof out.openedAt === 'number') out.openedAt += ms;
  if (typeof out.at === 'number') out.at += ms;
  return out as T;
}

function parseEntry<T extends Rest | Disabling>(text: string, shiftMs: number): T | undefined {
  try {
    const value = JSON.parse(text) as Partial<Rest & Disabling>;
    if (typeof value.until !== 'number' || typeof value.reason !== 'string') return undefined;
    if (typeof value.openedAt !== 'number' && typeof value.at !== 'number') return undefined;
    return shiftEntry(value as T, shiftMs);
  } catch {
    return undefined;
  }
}
