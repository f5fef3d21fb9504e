import type { Lease, LimitCounters } from '../router/limit-counters.js';
import { KeyEndedWhileRunning } from '../router/linked-abort.js';
import { GatewayError } from '../server/gateway-error.js';
import { throwStoreFailure } from '../server/store-failure.js';
import type { KeyPatch, KeyStore } from './key-store.js';
import { keyMayUse } from './model-globs.js';
import { HeldAmounts } from './held-amounts.js';
import { RunningRequests } from './running-requests.js';
import type { RunningRequest, Stoppable } from './running-requests.js';
import { generateKey, generateKeyId, hashKey, looksLikeKey, periodEnd, periodStart, spendText } from './virtual-key.js';
import type { BudgetPeriod, VirtualKey } from './virtual-key.js';

export interface CreateKeyInput {
  name: string;
  models?: string[] | null;
  budget_usd?: number | null;
  budget_period?: BudgetPeriod;
  rpm?: number | null;
  tpm?: number | null;
  expires_at?: number | null;
  customer_identifier?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** What the other replicas add to a key's budget, as last read from where they share it. */
export interface SharedBudgetView {
  /** The period's spend across every replica sharing it (this one's charges included). */
  spentUsd: number;
  /** What the other replicas' requests in flight hold (this replica's own are not in it). */
  othersHeldUsd: number;
}

/**
 * Budgets shared by replicas that do not share a store (the `redis` key: RedisSharedBudgets);
 * undefined without it. Nothing here may wait on the network: `view` answers from what was read
 * in the background, and `charge` and `hold` send without being awaited.
 */
export interface SharedBudgets {
  /** The key's shared view for the period starting at `start`; asking keeps the key read in the background. */
  view(keyId: string, period: BudgetPeriod, start: number): SharedBudgetView;
  /** Adds a charge to the key's spend in the period starting at `start`. */
  charge(keyId: string, period: BudgetPeriod, start: number, usd: number): void;
  /** Shares a request's hold while it runs; returns its release (more than once is fine). */
  hold(keyId: string, usd: number): () => void;
}

/** How long a key read from the store is trusted before it is read again (other replicas may change it). */
const CACHE_TTL_MS = 1_000;
const MAX_CACHED_KEYS = 10_000;
/**
 * How long a request waits for its key's refresh before the copy read earlier serves it. The
 * refresh runs on the store's writer thread, behind the log batches: while another process held
 * the SQLite lock, each key's request once a second waited seconds (every batch ahead waiting out
 * busy_timeout), and failed once the store stopped answering, though proxying needs no store.
 */
const REFRESH_WAIT_MS = 250;
/** How old that copy may grow while the store does not answer; past it, requests wait for the store again. */
const MAX_STALE_MS = 60_000;

/**
 * Gateway keys: issued once (only the hash is stored), checked on every request (revocation,
 * expiry, allowed models, budget, rate), and charged with each request's actual cost.
 * Changes made through this process take effect on the very next request; revoking a key (or its
 * expiry) also stops the requests with it that are running (startRequest).
 */
export class VirtualKeys {
  /** Token → key read from the store; `tokenById` finds a key's entry when it changes. */
  private readonly cache = new Map<string, { key: VirtualKey; at: number }>();
  private readonly tokenById = new Map<string, string>();
  private readonly lookups = new Map<string, Promise<VirtualKey | undefined>>();
  /** The answer requests get while a cached key's lookup is out (see refresh). */
  private readonly refreshes = new Map<string, Promise<VirtualKey | undefined>>();
  /** Tokens the store did not know, and when it said so. */
  private readonly unknown = new Map<string, number>();
  /** USD each key's requests in flight are expected to spend (their estimates, until they settle). */
  private readonly held = new HeldAmounts();
  /** The requests running with a key, stopped when it is found revoked or expired (stopIfEnded). */
  private readonly running = new RunningRequests((ids) => this.recheck(ids));

  constructor(
    private readonly store: KeyStore,
    private readonly counters: LimitCounters,
    private readonly now: () => number = Date.now,
    /** With the `redis` key: spend and holds of replicas on other stores (hosts) count here too. */
    private readonly shared?: SharedBudgets,
  ) {}

  async create(input: CreateKeyInput): Promise<{ key: string; record: VirtualKey }> {
    const key = generateKey();
    const budgetPeriod = input.budget_period ?? 'total';
    const record: VirtualKey = {
      id: generateKeyId(),
      name: input.name,
      key_hash: hashKey(key),
      key_last4: key.slice(-4),
      models: input.models ?? null,
      budget_usd: input.budget_usd ?? null,
      budget_period: budgetPeriod,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      expires_at: input.expires_at ?? null,
      customer_identifier: input.customer_identifier ?? null,
      metadata: input.metadata ?? null,
      created_at: this.now(),
      revoked_at: null,
      spend_usd: 0,
      spend_period_start: periodStart(budgetPeriod, this.now()),
      spend_total_usd: 0,
    };
    await this.store.insertKey(record);
    return { key, record };
  }

  list(): Promise<VirtualKey[]> {
    return this.store.listKeys();
  }

  get(id: string): Promise<VirtualKey | undefined> {
    return this.store.getKey(id);
  }

  async update(id: string, patch: KeyPatch): Promise<VirtualKey | undefined> {
    const period = patch.budget_period;
    const updated = await this.store.updateKey(id, period === undefined ? patch : { ...patch, ...(await this.periodSwitch(id, period)) });
    if (updated) {
      this.expire(updated);
      this.stopIfEnded(updated);
    }
    return updated;
  }

  /**
   * A new budget period restarts the period's spend at the new period's start. Without it, a key
   * moved from `day` to `total` or `month` kept today as its period's start: charges of the new,
   * earlier-starting period count in the total only (as a late charge from an old period does), so
   * its budget was never reached again. Carried over is the spend known to fall within the new
   * period: all of it for `total`, the old period's when that lies within the new one (today within
   * this month), else none (a month's spend is not today's). A charge landing between the read and
   * the write here counts in the total only.
   */
  private async periodSwitch(id: string, period: BudgetPeriod): Promise<KeyPatch> {
    const key = await this.store.getKey(id);
    const start = periodStart(period, this.now());
    // The same period again changes nothing, unless its start is later than the period's own:
    // a key switched before this was fixed, which setting its period again repairs.
    if (!key || (key.budget_period === period && key.spend_period_start <= start)) return {};
    const carried = period === 'total' ? key.spend_total_usd : key.spend_period_start >= start ? key.spend_usd : 0;
    return { spend_usd: carried, spend_period_start: start };
  }

  /** Revokes a key; revoking it again changes nothing (it keeps the time it was first revoked). */
  async revoke(id: string): Promise<VirtualKey | undefined> {
    const key = await this.store.getKey(id);
    if (!key || key.revoked_at !== null) return key;
    return this.update(id, { revoked_at: this.now() });
  }

  /** The key behind a bearer token, or 401 saying why not (unknown, revoked, expired). */
  async authenticate(token: string): Promise<VirtualKey> {
    const now = this.now();
    // Keyed by the token itself so the hot path skips hashing; only the hash ever reaches the store.
    let cached = this.cache.get(token);
    if (!cached || now - cached.at > CACHE_TTL_MS) {
      // Refused without a lookup, and not remembered: a caller's made-up tokens (of any length)
      // must not fill the memory of unknown ones.
      if (!looksLikeKey(token)) throw unauthorized('Invalid gateway key.', 'invalid_api_key');
      const unknownSince = this.unknown.get(token);
      if (unknownSince !== undefined && now - unknownSince <= CACHE_TTL_MS) throw unauthorized('Invalid gateway key.', 'invalid_api_key');
      // A copy changed here (-Infinity: see expire) is never served in its place: the change applies now.
      const held = cached && now - cached.at <= MAX_STALE_MS ? cached.key : undefined;
      const key = held ? await this.refresh(token, held) : await this.lookup(token);
      if (!key) throw unauthorized('Invalid gateway key.', 'invalid_api_key');
      cached = { key, at: now };
    }
    return this.check(cached.key, now);
  }

  /** The key, unless it is revoked or expired (401 saying which). */
  private check(key: VirtualKey, now: number): VirtualKey {
    const ended = whyEnded(key, now);
    if (ended) throw unauthorized(`This gateway key (…${key.key_last4}) ${ended.what}.`, ended.code);
    return key;
  }

  /**
   * A request admitted with `key` has begun: until `endRequest`, revoking the key (here, or in
   * another process on the same store: see RunningRequests) stops it, its switch aborted with
   * KeyEndedWhileRunning; and so does the key's expiry.
   */
  startRequest(key: VirtualKey, request: Stoppable): RunningRequest {
    const entry = this.running.start(key.id, request);
    // A copy other than the one the request was admitted with: changed since (a revocation's
    // write may have landed between the check and now), so it is looked at once.
    const cached = this.cachedById(key.id);
    if (cached && cached.key !== key) this.stopIfEnded(cached.key);
    return entry;
  }

  endRequest(entry: RunningRequest): void {
    this.running.end(entry);
  }

  /** Stops the running requests of a key seen revoked or expired. */
  private stopIfEnded(key: VirtualKey): void {
    if (this.running.size === 0) return;
    const ended = whyEnded(key, this.now());
    if (!ended) return;
    this.running.stopKey(key.id, new KeyEndedWhileRunning(`the gateway key (…${key.key_last4}) ${ended.what} while this request was running, so the gateway stopped it`, ended.code));
  }

  /**
   * The keys of requests running for a while (RunningRequests' timer), read again so that a
   * revocation through another process stops them: through the lookup requests use, which
   * remembers the answer and stops the key's requests if it is revoked (remember). A key read from
   * the store within CACHE_TTL_MS (its own requests refresh it) is not read again. While the store
   * does not answer, the copy in hand still tells an expiry.
   */
  private recheck(ids: string[]): void {
    // Caught here: this runs from a timer, where a store failing must not become an unhandled rejection.
    for (const id of ids) this.recheckKey(id).catch(() => undefined);
  }

  private async recheckKey(id: string): Promise<void> {
    const token = this.tokenById.get(id);
    const cached = token === undefined ? undefined : this.cache.get(token);
    if (cached && this.now() - cached.at <= CACHE_TTL_MS) return this.stopIfEnded(cached.key);
    try {
      if (token !== undefined) await this.lookup(token);
      else {
        // Its token gone from the cache (more keys than it holds): by id, the way the admin API reads it.
        const key = await this.store.getKey(id);
        if (key) this.stopIfEnded(key);
      }
    } catch {
      // The next look asks again; meanwhile the copy in hand still tells an expiry.
      if (cached) this.stopIfEnded(cached.key);
    }
  }

  /**
   * One store lookup per token at a time: when a busy key's cache entry expires, every request in
   * flight would otherwise ask the store at once (375 lookups in 20 s at 50 connections, measured).
   */
  private lookup(token: string): Promise<VirtualKey | undefined> {
    let pending = this.lookups.get(token);
    if (!pending) {
      // The answer is remembered here, not by the request that asked: that one may have been
      // served the copy in hand already (freshOr), and the next must see what the store said.
      pending = this.store
        .findKeyByHash(hashKey(token))
        .then((key) => this.remember(token, key), keyStoreUnavailable)
        .finally(() => {
          this.lookups.delete(token);
          this.refreshes.delete(token);
        });
      // Its requests may all have been served already; a failure no one waits for is no crash.
      pending.catch(() => undefined);
      this.lookups.set(token, pending);
    }
    return pending;
  }

  /**
   * A cached key's refresh: the store's answer if it comes within REFRESH_WAIT_MS, else (or if it
   * fails) the copy in hand. One wait per refresh, shared: the requests that come while the store
   * is still out are answered with the copy at once, not each after a wait of its own.
   */
  private refresh(token: string, held: VirtualKey): Promise<VirtualKey | undefined> {
    let answer = this.refreshes.get(token);
    if (!answer) {
      answer = freshOr(this.lookup(token), held);
      if (this.lookups.has(token)) this.refreshes.set(token, answer);
    }
    return answer;
  }

  /** What the store said about a token: the key, cached, or nothing (remembered briefly). */
  private remember(token: string, key: VirtualKey | undefined): VirtualKey | undefined {
    if (!key) {
      // Remembered briefly, so a client retrying a wrong key does not reach the store each time.
      if (this.unknown.size >= MAX_CACHED_KEYS) this.unknown.delete(this.unknown.keys().next().value!);
      this.unknown.set(token, this.now());
      return undefined;
    }
    this.unknown.delete(token);
    if (!this.cache.has(token) && this.cache.size >= MAX_CACHED_KEYS) this.forget(this.cache.values().next().value!.key.id);
    // Fresh from when the answer came, not from when a request asked.
    this.cache.set(token, { key, at: this.now() });
    this.tokenById.set(key.id, token);
    this.stopIfEnded(key);
    return key;
  }

  private cachedById(id: string): { key: VirtualKey; at: number } | undefined {
    const token = this.tokenById.get(id);
    return token === undefined ? undefined : this.cache.get(token);
  }

  /**
   * Keeps a key as updated in the cache, marked stale: its next request reads the store again
   * (changes take effect at once), and requests still running settle under its new terms. A
   * stream begun before its budget period changed from day to total would otherwise be charged to
   * today's period, which the store takes for a newer one: the total's spend restarted from it.
   */
  private expire(key: VirtualKey): void {
    const token = this.tokenById.get(key.id);
    if (token !== undefined) this.cache.set(token, { key, at: -Infinity });
  }

  /** Drops a key from the cache so its next request reads the store. */
  private forget(id: string): void {
    const token = this.tokenById.get(id);
    if (token !== undefined) this.cache.delete(token);
    this.tokenById.delete(id);
  }

  /** 403 unless one of the key's model globs matches the requested name (or a bare name's `provider/model`). */
  checkModel(key: VirtualKey, requested: string): void {
    if (keyMayUse(key.models, requested)) return;
    throw new GatewayError(403, `This gateway key may not use \`${requested}\`. Allowed: ${(key.models ?? []).join(', ') || 'no models'}.`, {
      type: 'permission_error',
      code: 'model_not_allowed',
      param: 'model',
    });
  }

  /**
   * 429 budget_exceeded, with the numbers, once the period's spend has reached the budget, or
   * would with what the key's requests in flight are expected to spend (see hold). With shared
   * budgets, the spend is the larger of the store's and the shared one (the store's stands when
   * Redis lost its data or began empty), and the other replicas' holds count too.
   */
  checkBudget(key: VirtualKey): void {
    if (key.budget_usd === null) return;
    const start = periodStart(key.budget_period, this.now());
    const stored = key.spend_period_start === start ? key.spend_usd : 0;
    const shared = this.shared?.view(key.id, key.budget_period, start);
    const spent = shared ? Math.max(stored, shared.spentUsd) : stored;
    const inFlight = this.held.get(key.id) + (shared?.othersHeldUsd ?? 0);
    if (spent + inFlight < key.budget_usd) return;
    if (spent < key.budget_usd) {
      throw new GatewayError(
        429,
        `This gateway key has spent $${spendText(spent)} of its $${key.budget_usd} budget, and its requests in flight are expected to spend about $${spendText(inFlight)} more. Retry when they have finished.`,
        { type: 'insufficient_quota', code: 'budget_exceeded', headers: { 'retry-after': '1' } },
      );
    }
    const resets = periodEnd(key.budget_period, start);
    const when = resets === undefined ? 'It does not reset (period: total).' : `It resets at ${new Date(resets).toISOString()}.`;
    throw new GatewayError(429, `This gateway key has spent $${spendText(spent)} of its $${key.budget_usd} ${key.budget_period === 'total' ? 'total' : `per-${key.budget_period}`} budget. ${when}`, {
      type: 'insufficient_quota',
      code: 'budget_exceeded',
      ...(resets !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil((resets - this.now()) / 1000))) } } : {}),
    });
  }

  /**
   * Holds a request's estimated cost against its key's budget while it runs, so that requests
   * admitted together cannot spend far past the budget (each alone was checked against the spend
   * before it). Returns the release, to call once the request is charged (more than once is fine).
   */
  hold(key: VirtualKey, estimate: number): () => void {
    if (!(estimate > 0)) return NOTHING_HELD;
    // More than the budget holds back nothing more (that much already refuses every other
    // request), and an absurd estimate (max_tokens of 10^19) would swallow the others in the sum.
    const usd = key.budget_usd === null ? estimate : Math.min(estimate, key.budget_usd);
    const release = this.held.add(key.id, usd);
    const releaseShared = this.shared?.hold(key.id, usd);
    return () => {
      if (release()) releaseShared?.();
    };
  }

  /** Counts the request against the key's rpm/tpm; 429 with retry-after when over. */
  async admit(key: VirtualKey, estimatedTokens: number): Promise<Lease | undefined> {
    if (key.rpm === null && key.tpm === null) return undefined;
    const limits = { ...(key.rpm !== null ? { rpm: key.rpm } : {}), ...(key.tpm !== null ? { tpm: key.tpm } : {}) };
    const result = await this.counters.tryAcquire(`key:${key.id}`, limits, estimatedTokens);
    if (result.ok) return result.lease;
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    const limit = result.limit === 'rpm' ? `${key.rpm} requests per minute` : `${key.tpm} tokens per minute`;
    throw new GatewayError(429, `This gateway key is over its limit of ${limit}. Retry after ${seconds} s.`, {
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      headers: { 'retry-after': String(seconds) },
    });
  }

  /**
   * After the request: the actual cost goes on the key, the actual tokens replace the estimate.
   * Not an async function: the store merges charges for a while (SpendCoalescer), and a suspended
   * call per request would live that long.
   */
  settle(key: VirtualKey, lease: Lease | undefined, costUsd: number | null, totalTokens: number | undefined): Promise<void> {
    // The key's terms as last known here: a request begun before a PATCH carries the old ones.
    const cached = this.cachedById(key.id);
    const terms = cached?.key ?? key;
    const start = periodStart(terms.budget_period, this.now());
    const charge = costUsd !== null && costUsd > 0 ? costUsd : 0;
    if (charge > 0) {
      if (terms.budget_usd !== null) this.shared?.charge(key.id, terms.budget_period, start, charge);
      // The cached copy first, synchronously: the key's very next request must see this spend.
      if (cached) {
        if (start > cached.key.spend_period_start) {
          cached.key.spend_period_start = start;
          cached.key.spend_usd = 0;
        }
        cached.key.spend_usd += charge;
        cached.key.spend_total_usd += charge;
      }
    }
    const released = lease ? this.counters.release(lease, totalTokens) : undefined;
    if (!(charge > 0)) return released ?? SETTLED;
    const charged = this.store.addSpend(key.id, charge, start);
    return released ? Promise.all([released, charged]).then(() => undefined) : charged;
  }
}

/** The store's answer, if it comes within REFRESH_WAIT_MS; else, or if it fails, `held` (lookup still remembers the answer). */
async function freshOr(lookup: Promise<VirtualKey | undefined>, held: VirtualKey): Promise<VirtualKey | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<VirtualKey>((resolve) => (timer = setTimeout(() => resolve(held), REFRESH_WAIT_MS)));
  try {
    return await Promise.race([lookup.catch(() => held), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The tokens a finished request used, for its key's TPM (`settle`): its usage, or none when it
 * failed without one (refused before a provider, or answered with an error, which bills
 * nothing; its cost is $0 likewise: costInputOf's failedWithoutAnswer). Left unknown otherwise
 * (a client that left: the provider may have generated), and the estimate stands. Its whole
 * estimate used to stand for every failure, and after a provider's bad minute a key's requests
 * were refused for tokens never used.
 */
export function tokensUsed(usage: { total_tokens: number } | undefined, status: number): number | undefined {
  if (usage) return usage.total_tokens;
  return status >= 400 && status !== 499 ? 0 : undefined;
}

const NOTHING_HELD = (): void => {};
const SETTLED = Promise.resolve();

/**
 * A key the store could not be asked about (storeUnavailable: locked, gone, too slow): 503, as the log API answers when its store is down
 * (and with a retry-after, which SDKs honour), not a 500 "internal error" that pages someone for
 * a bug, nor a 401 that would tell the caller its key is bad.
 */
function keyStoreUnavailable(err: unknown): never {
  throwStoreFailure(err, (why) => `Gateway keys cannot be checked now: the store is not available (${why}). Retry shortly.`);
}

/** Why a key may no longer be used, worded to follow "This gateway key (…abcd)"; undefined while it may. */
function whyEnded(key: VirtualKey, now: number): { what: string; code: 'key_revoked' | 'key_expired' } | undefined {
  if (key.revoked_at !== null) return { what: `was revoked on ${new Date(key.revoked_at).toISOString()}`, code: 'key_revoked' };
  if (key.expires_at !== null && key.expires_at <= now) return { what: `expired on ${new Date(key.expires_at).toISOString()}`, code: 'key_expired' };
  return undefined;
}

function unauthorized(message: string, code: string): GatewayError {
  return new GatewayError(401, message, { type: 'authentication_error', code });
}
