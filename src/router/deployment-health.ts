/**
 * Health of each deployment (provider × credential × model), a circuit breaker per deployment:
 * - closed: in rotation; failures are counted within a window;
 * - open ("cooling down"): after `fails` failures in the window, or a 429 with a retry time, it is
 *   skipped until the cooldown ends;
 * - half-open ("probing"): then exactly one request is let through; success closes it, failure
 *   opens it again. A probe that never reports (which would keep the deployment out of rotation
 *   for good) counts as ended after `probeTimeoutMs`, the longest a request may take.
 * A credential the provider rejected (401, no balance) is disabled for every model; it is tried
 * again after `recheckMs` (or when a credential test succeeds), and re-enabled once it works.
 */
export interface HealthOptions {
  fails: number;
  cooldownMs: number;
  windowMs: number;
  /** How long a rejected credential stays disabled before it is tried again (default 5 minutes). */
  recheckMs?: number;
  /**
   * After this long a probe is taken to have ended, reported or not, and the next request probes
   * too: a slow answer must not keep a recovered deployment out of rotation for its whole length
   * (router.first_token_timeout_ms, or router.timeout_ms if shorter; default 10 minutes).
   */
  probeTimeoutMs?: number;
  now?: () => number;
}

export type DeploymentState = 'ok' | 'cooling_down' | 'probing';

/** A deployment resting (breaker open) until `until`, since `openedAt`. */
export interface Rest {
  until: number;
  openedAt: number;
  reason: string;
}

/** A credential disabled until `until`, since `at`. */
export interface Disabling {
  until: number;
  at: number;
  reason: string;
}

/**
 * Told when this process changes what others should know (a deployment starts or stops resting,
 * a credential is disabled or enabled), so replicas can share it. Not told of changes made by
 * the `apply…` methods, which bring in what another replica found.
 */
export interface HealthListener {
  rested(deployment: string, rest: Rest): void;
  /** `attemptBegan`: when the attempt that proved it began (a rest begun after it is not ended by it). */
  recovered(deployment: string, attemptBegan: number): void;
  disabled(credential: string, disabling: Disabling): void;
  enabled(credential: string): void;
}

interface Breaker {
  failures: number[];
  openUntil: number;
  /** Epoch ms when it last opened: an attempt sent before that cannot close it. */
  openedAt: number;
  /** Epoch ms until which the probe in flight holds the deployment; 0 when none is. */
  probeUntil: number;
  lastError?: string;
}

export interface CredentialStatus {
  credential: string;
  state: 'ok' | 'cooling_down' | 'disabled';
  reason?: string;
  /** Epoch ms when a cooling-down deployment may be probed again. */
  until?: number;
  deployments: { model: string; state: DeploymentState; until?: number; last_error?: string }[];
}

/**
 * Breakers kept at most. Deployments are keyed by the model a request names, so failures for
 * made-up names would otherwise add one each, for good (a junk name never succeeds).
 */
const MAX_BREAKERS = 1_000;

export class DeploymentHealth {
  private readonly breakers = new Map<string, Breaker>();
  /** Rejected credentials: why, until when they are skipped, and since when (`at`). */
  private readonly disabled = new Map<string, Disabling>();
  private readonly now: () => number;
  private listener: HealthListener | undefined;

  constructor(private readonly options: HealthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Only one: the shared health (the `redis` key). */
  setListener(listener: HealthListener): void {
    this.listener = listener;
  }

  /** May a request go to this deployment now? (No side effects: selection asks this of every candidate.) */
  canTry(deployment: string, credential: string): boolean {
    if (this.isDisabled(credential)) return false;
    const b = this.breakers.get(deployment);
    if (!b || b.openUntil === 0) return true;
    const now = this.now();
    return now >= b.probeUntil && now >= b.openUntil;
  }

  /** ms until `canTry` may say yes: 0 now, Infinity for a disabled credential; a probe in flight is polled. */
  availableIn(deployment: string, credential: string): number {
    if (this.isDisabled(credential)) return Infinity;
    const b = this.breakers.get(deployment);
    if (!b || b.openUntil === 0) return 0;
    const now = this.now();
    if (now < b.probeUntil) return 100;
    return Math.max(0, b.openUntil - now);
  }

  /**
   * The chosen deployment is about to be tried; past its cooldown, this request is the probe.
   * Returns when the attempt began, for `onSuccess`.
   */
  beginAttempt(deployment: string): number {
    const b = this.breakers.get(deployment);
    const now = this.now();
    if (b && b.openUntil !== 0 && now >= b.openUntil) b.probeUntil = now + (this.options.probeTimeoutMs ?? 600_000);
    return now;
  }

  /** The probe ended without telling anything about the deployment (client gone, our own error). */
  endProbe(deployment: string): void {
    const b = this.breakers.get(deployment);
    if (b) b.probeUntil = 0;
  }

  /**
   * An attempt begun at `attemptBegan` (beginAttempt's answer) succeeded. It closes the breaker and
   * re-enables the credential only if it was sent after they opened or were disabled: a long answer
   * sent before a key was rejected, finishing after, says nothing about the key now, and would put
   * it back in rotation for the next request to fail on. Without a time, the success is taken as now.
   */
  onSuccess(deployment: string, credential: string, attemptBegan = this.now()): void {
    const b = this.breakers.get(deployment);
    if (b && (b.openUntil === 0 || attemptBegan >= b.openedAt)) {
      this.breakers.delete(deployment);
      if (b.openUntil !== 0) this.listener?.recovered(deployment, attemptBegan);
    }
    const disabled = this.disabled.get(credential);
    if (disabled && attemptBegan >= disabled.at) {
      this.disabled.delete(credential);
      this.listener?.enabled(credential);
    }
  }

  /**
   * A failure that says this deployment is unwell (5xx, network, timeout). Returns true if it now
   * rests. `counts: false` for a request's own retry of a deployment it already failed on: a
   * failed probe still rests it again, but towards `fails` each request counts once.
   */
  onFailure(deployment: string, reason: string, counts = true): boolean {
    // A cooldown of 0 s turns the breaker off: failures are retried elsewhere, nothing rests (a
    // probe after a 429's rest ends with its failure).
    if (this.options.cooldownMs <= 0) {
      this.endProbe(deployment);
      return false;
    }
    const now = this.now();
    const b = this.breaker(deployment);
    b.lastError = reason;
    if (now < b.probeUntil) {
      b.probeUntil = 0;
      b.openUntil = now + this.options.cooldownMs;
      b.openedAt = now;
      this.listener?.rested(deployment, { until: b.openUntil, openedAt: now, reason });
      return true;
    }
    if (!counts) return false;
    b.failures = b.failures.filter((t) => now - t < this.options.windowMs);
    b.failures.push(now);
    if (b.failures.length >= this.options.fails) {
      b.openUntil = now + this.options.cooldownMs;
      b.openedAt = now;
      b.failures = [];
      this.listener?.rested(deployment, { until: b.openUntil, openedAt: now, reason });
      return true;
    }
    return false;
  }

  /** The provider asked us to wait (429 with a retry time): rest this deployment that long. */
  coolFor(deployment: string, ms: number, reason: string): void {
    // Nothing to wait for (a 429 without a retry time while the breaker is off, `retry-after: 0`):
    // no rest, and no half-open state either, which would let one request through at a time and
    // answer the others 503 "probing". A probe that got this answer has ended.
    if (ms <= 0) return this.endProbe(deployment);
    const b = this.breaker(deployment);
    b.lastError = reason;
    b.probeUntil = 0;
    const now = this.now();
    if (now + ms > b.openUntil) {
      b.openUntil = now + ms;
      b.openedAt = now;
      this.listener?.rested(deployment, { until: b.openUntil, openedAt: now, reason });
    }
  }

  /** The provider rejected the key itself: no model is served with it until it works again. */
  disableCredential(credential: string, reason: string): void {
    const now = this.now();
    const disabling = { reason, until: now + (this.options.recheckMs ?? 5 * 60_000), at: now };
    this.disabled.set(credential, disabling);
    this.listener?.disabled(credential, disabling);
  }

  /** Disabled and not yet due for another try. */
  isDisabled(credential: string): boolean {
    const d = this.disabled.get(credential);
    return d !== undefined && this.now() < d.until;
  }

  /**
   * A credential test succeeded. Told to the listener even if it was not disabled here: another
   * replica may have disabled it a moment ago, unseen here yet.
   */
  enableCredential(credential: string): void {
    this.disabled.delete(credential);
    this.listener?.enabled(credential);
  }

  /** Another replica rested the deployment: it rests here too, unless it already rests longer. */
  applyRest(deployment: string, rest: Rest): void {
    const b = this.breaker(deployment);
    if (rest.until <= b.openUntil) return;
    b.openUntil = rest.until;
    b.openedAt = rest.openedAt;
    b.lastError = rest.reason;
    b.failures = [];
  }

  /** The rest another replica began at `openedAt` has ended there (its probe succeeded). */
  applyRecovered(deployment: string, openedAt: number): void {
    const b = this.breakers.get(deployment);
    if (b && b.openedAt === openedAt) this.breakers.delete(deployment);
  }

  /** Another replica disabled the credential. */
  applyDisabled(credential: string, disabling: Disabling): void {
    const mine = this.disabled.get(credential);
    if (!mine || disabling.until > mine.until) this.disabled.set(credential, { ...disabling });
  }

  /** The disabling another replica began at `at` has ended there (the key works again). */
  applyEnabled(credential: string, at: number): void {
    if (this.disabled.get(credential)?.at === at) this.disabled.delete(credential);
  }

  deploymentState(deployment: string): DeploymentState {
    const b = this.breakers.get(deployment);
    if (!b || b.openUntil === 0) return 'ok';
    const now = this.now();
    return now < b.probeUntil ? 'probing' : now < b.openUntil ? 'cooling_down' : 'ok';
  }

  /** Per credential, for /health/ready and the dashboard. Keys are `provider/credential`. */
  snapshot(credentials: string[]): CredentialStatus[] {
    this.forgetSettled();
    return credentials.map((credential) => {
      const deployments = [...this.breakers.entries()]
        .filter(([key]) => key.startsWith(`${credential}/`))
        .map(([key, b]) => ({
          model: key.slice(credential.length + 1),
          state: this.deploymentState(key),
          ...(b.openUntil > this.now() ? { until: b.openUntil } : {}),
          ...(b.lastError ? { last_error: b.lastError } : {}),
        }));
      const disabled = this.disabled.get(credential);
      if (disabled !== undefined) return { credential, state: 'disabled', reason: disabled.reason, until: disabled.until, deployments };
      const cooling = deployments.filter((d) => d.state === 'cooling_down');
      if (cooling.length > 0 && cooling.length === deployments.length) {
        return { credential, state: 'cooling_down', until: Math.min(...cooling.map((d) => d.until ?? 0)), deployments };
      }
      return { credential, state: 'ok', deployments };
    });
  }

  private breaker(deployment: string): Breaker {
    let b = this.breakers.get(deployment);
    if (!b) {
      if (this.breakers.size >= MAX_BREAKERS) {
        this.forgetSettled();
        if (this.breakers.size >= MAX_BREAKERS) this.breakers.delete(this.leastNeeded());
      }
      b = { failures: [], openUntil: 0, openedAt: 0, probeUntil: 0 };
      this.breakers.set(deployment, b);
    }
    return b;
  }

  /** The oldest breaker that is not resting; if all are, the oldest (at worst tried again early). */
  private leastNeeded(): string {
    const now = this.now();
    for (const [deployment, b] of this.breakers) if (now >= b.openUntil && now >= b.probeUntil) return deployment;
    return this.breakers.keys().next().value!;
  }

  /**
   * Drops breakers with nothing left to say: never opened (one past its cooldown is half-open, its
   * next request the probe; a success deletes a breaker), and no failure within the window.
   */
  private forgetSettled(): void {
    const now = this.now();
    for (const [deployment, b] of this.breakers) {
      if (b.openUntil === 0 && b.failures.every((t) => now - t >= this.options.windowMs)) this.breakers.delete(deployment);
    }
  }
}
