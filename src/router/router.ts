import { streamsNothingWhileThinking } from '../catalogue/silent-reasoning.js';
import type { GatewayConfig } from '../config/types.js';
import type { CallContext, Provider, StreamFailure, StreamTransformer, Usage } from '../providers/types.js';
import type { StoredMetadata } from '../providers/stored-completion-metadata.js';
import { GatewayError, toGatewayError } from '../server/gateway-error.js';
import type { CallerCredentials } from '../server/caller-credentials.js';
import type { ChatRequestBody } from '../server/validate-chat-request.js';
import type { UpstreamPools } from '../upstream/pool.js';
import { sendBufferedRequest } from '../upstream/send-buffered-request.js';
import { sendUpstreamRequest } from '../upstream/send-request.js';
import type { UpstreamRequest } from '../upstream/send-request.js';
import type { EventBytes, TransformedEventStream } from '../upstream/transformed-event-stream.js';
import { CAPACITY_EXCEEDED, NoUsableCandidate } from './admission.js';
import type { Admission } from './admission.js';
import type { Lease } from './limit-counters.js';
import { guardContextWindow } from './context-window-guard.js';
import { DeadlineExceeded, GatewayShuttingDown, KeyEndedWhileRunning, LinkedAbort } from './linked-abort.js';
import type { DeploymentHealth } from './deployment-health.js';
import { buildDeploymentGroups } from './deployments.js';
import { DeploymentCache } from './deployment-cache.js';
import type { Deployment } from './deployments.js';
import { estimatePromptTokens, requestedCompletionTokens } from './estimate-tokens.js';
import { openEventStream } from './open-event-stream.js';
import { parseAnswer, readText } from './read-upstream-answer.js';
import { resolveModel, resolveTargets } from './resolve-model.js';
import type { RouteTarget } from './resolve-model.js';
import { OwnFailure, backoffMs, clientClosedRequest, judgeFailure, retryAfter } from './retry-policy.js';
import type { FailureVerdict } from './retry-policy.js';
import { mapUpstreamError } from './map-upstream-error.js';
import { statusForErrorType } from './status-for-error-type.js';
import type { StopSignal, StopSwitch } from '../upstream/stop-switch.js';
import { rateLimitHeaders } from '../upstream/rate-limit-headers.js';

/** One try at one upstream: where it went and how it ended. */
export interface AttemptRecord {
  provider: string;
  model: string;
  credential: string;
  /** Upstream HTTP status; absent when no answer came (network error, timeout, abort). */
  status?: number;
  /** Set when this attempt failed. */
  error_type?: string;
  error_message?: string;
  /** ms from the request's arrival to this attempt's start. */
  started_ms: number;
  /** ms until the answer was in hand (JSON: read, parsed and normalized; streams: the first event), or until the failure. */
  duration_ms: number;
}

/** What the router did for one request; filled in as it goes, so errors can report it too. */
export interface RouteInfo {
  /** performance.now() when the request arrived. */
  startedAt: number;
  provider?: string;
  model?: string;
  credential?: string;
  attempts: AttemptRecord[];
  /** What the provider changed in the request (of the attempt that answered). */
  adjustments: string[];
  /** Routing decisions worth telling the client, e.g. targets skipped for their context window. */
  notes: string[];
  /** performance.now() when the winning attempt was sent upstream, and when its headers came. */
  upstreamSentAt?: number;
  upstreamHeadersAt?: number;
  /** performance.now() when a JSON answer had been read whole. */
  upstreamEndAt?: number;
  /** ms spent waiting: for a credential with room, a resting deployment, a retry's backoff. Not the gateway's own work. */
  waitedMs: number;
  /**
   * performance.now() when the client's response was committed before the stream's first event
   * (its first keep-alive, see ChatCall.keepAlive). From then on a failure is no longer retried
   * or failed over from: the client has its 200, and the stream ends with an error event.
   */
  committedAt?: number;
}

export interface ChatCall {
  requestId: string;
  callerScope: string;
  /** Keys the caller brought (BYOK, or the open-mode bearer token). */
  caller?: CallerCredentials;
  /** The caller is the operator (master key): errors about the gateway's own credentials keep their details. */
  operator?: boolean;
  clientWantsUsage: boolean;
  captureResponse: boolean;
  /**
   * The request's one switch, shared with the server: it aborts it when the client goes away, the
   * router with DeadlineExceeded when router.timeout_ms passes. One switch per request, not a
   * chain of linked ones: this runs on every call.
   */
  abort: StopSwitch;
  route: RouteInfo;
  /** Per-request fallbacks from the body, tried after the model's own. */
  fallbacks?: string[];
  /** The bytes the request body was parsed from (providers forward what they leave unchanged). */
  clientBody?: Buffer;
  /** The prompt's estimated size (estimatePromptTokens), when the caller has it already. */
  promptTokens?: number;
  /** The body's `metadata` of a `store: true` request, for the providers that store completions. */
  storedMetadata?: StoredMetadata | undefined;
  /**
   * Streams: sends the client an SSE comment, the first call committing its response (200, the
   * route's headers and the answering upstream's rate-limit headers). Called every
   * router.stream_keepalive_ms while an attempt that could not fail over anyway (no first-token
   * timeout) waits for its first event. Absent: never committed early.
   */
  keepAlive?: (rateLimits: Record<string, string> | undefined) => void;
}

/** How a request that got an answer ends; called once, with the final usage. */
export type FinishCallback = (result: { usage: Usage | undefined; failed: boolean }) => void;

export type ChatOutcome =
  | {
      kind: 'json';
      body: unknown;
      usage: Usage | undefined;
      /** Set when the upstream bytes can go out as they came. */
      raw?: string;
      /** The answering upstream's rate-limit headers (rateLimitHeaders), for the client. */
      rateLimits?: Record<string, string> | undefined;
    }
  | {
      kind: 'stream';
      /** The answering upstream's rate-limit headers (rateLimitHeaders), for the client. */
      rateLimits?: Record<string, string> | undefined;
      stream: TransformedEventStream;
      /** The first bytes to send; already read, so the stream is known to be working. */
      first: EventBytes;
      /** Aborted when the client goes away or the request's deadline passes. */
      signal: StopSignal;
      transformer: StreamTransformer;
      finish: FinishCallback;
    };

type JsonOutcome = Extract<ChatOutcome, { kind: 'json' }>;
/**
 * A stream an attempt opened. `finish` is the router's to add; `unlink` detaches the attempt's
 * switch from the request's (call it once the stream is over).
 */
type StreamAttempt = Omit<Extract<ChatOutcome, { kind: 'stream' }>, 'finish'> & { unlink: () => void };

export interface RouterDeps {
  health: DeploymentHealth;
  admission: Admission;
  random?: () => number;
}

class FirstTokenTimeout extends Error {}

/** Deployments that may be tried now, and the index of their group (-1: none). */
interface Available {
  readonly deployments: Deployment[];
  readonly group: number;
}

/** Asked on every request (is there a fallback group?): the usual answer, allocated once. */
const NONE_AVAILABLE: Available = Object.freeze({ deployments: Object.freeze([]) as unknown as Deployment[], group: -1 });

/**
 * Picks where a chat request goes and gets it an answer: weighted among healthy deployments with
 * room under their limits, retrying retryable failures elsewhere (or here, after a backoff),
 * falling back to the next group of targets, within the request's deadline. Before the first
 * byte reaches the client every failure is invisible to it.
 */
export class Router {
  private readonly deployments = new DeploymentCache();
  /** Requests sleeping until a cooling-down or probing deployment may be tried again. */
  private waitingForRest = 0;

  constructor(
    private readonly config: GatewayConfig,
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly pools: UpstreamPools,
    private readonly deps: RouterDeps,
  ) {}

  get health(): DeploymentHealth {
    return this.deps.health;
  }

  get admission(): Admission {
    return this.deps.admission;
  }

  /** Requests waiting: for a credential with room under its limits, or for a resting deployment to come back. */
  get waiting(): number {
    return this.deps.admission.queued + this.waitingForRest;
  }

  /** Credentials were added or removed at run time: deployments are built afresh. */
  credentialsChanged(): void {
    this.deployments.clear();
  }

  /** Where a model name may be sent: its targets and an alias's fallbacks; none for an unknown name. */
  targetsOf(name: string): { provider: string; model: string }[] {
    try {
      const resolved = resolveModel(name, this.config);
      return [...resolved.targets, ...resolved.fallbacks];
    } catch {
      return [];
    }
  }

  async chat(body: ChatRequestBody, call: ChatCall): Promise<ChatOutcome> {
    const promptTokens = call.promptTokens ?? estimatePromptTokens(body);
    const needed = promptTokens + requestedCompletionTokens(body);
    const groups = guardContextWindow(this.deploymentGroups(body.model, call), needed, promptTokens, call.route);

    // Holds the switch only, not the call: a stream keeps this timer (and what it holds) to its end.
    const { abort } = call;
    const deadline = setTimeout(() => abort.abort(new DeadlineExceeded()), this.config.router.timeout_ms);
    let outcome: ChatOutcome;
    try {
      outcome = await this.tryDeployments(body, call, groups, needed);
    } catch (err) {
      clearTimeout(deadline);
      throw err;
    }
    if (outcome.kind === 'json') {
      clearTimeout(deadline);
      return outcome;
    }
    // The stream outlives this call: its deadline ends when it does.
    const { finish } = outcome;
    return {
      ...outcome,
      finish: (result) => {
        clearTimeout(deadline);
        finish(result);
      },
    };
  }

  /** Where a request for `model` may go, group by group: the alias's targets, then its fallbacks, then the request's. */
  private deploymentGroups(model: string, call: ChatCall): Deployment[][] {
    const reusable = (call.fallbacks ?? []).length === 0 && !call.caller?.bringsKeys;
    const cached = reusable ? this.deployments.get(model) : undefined;
    if (cached) return cached;
    const resolved = resolveModel(model, this.config);
    const extra = (call.fallbacks ?? []).flatMap((name, i) => resolveFallback(name, i, this.config).map((t) => [t]));
    const targetGroups: RouteTarget[][] = [resolved.targets, ...resolved.fallbacks.map((f) => [f]), ...extra];
    const groups = buildDeploymentGroups(targetGroups, this.providers, call.caller);
    if (reusable) this.deployments.offer(model, groups);
    return groups;
  }

  /**
   * Tries deployments until one answers: the first group with healthy deployments first, a
   * retryable failure moving on to the next deployment (or to the same ones after a backoff once
   * all have failed). Each group gets router.retries more tries after its first: falling back is
   * not a retry, so a fallback is reached however many deployments the targets have.
   */
  private async tryDeployments(body: ChatRequestBody, call: ChatCall, groups: Deployment[][], needed: number): Promise<ChatOutcome> {
    // The closures below share this scope with a stream's `finish`, which lives as long as the
    // stream: they read these, never `call`, which holds the client's whole body.
    const { route, requestId, operator } = call;
    const deadlineMs = this.config.router.timeout_ms;
    const signal = call.abort.signal;
    // Deployments that failed for this request, and how often; most requests never need it.
    let failed: Map<string, number> | undefined;
    const abortError = (err: unknown, d?: Deployment): GatewayError => this.classifyAbort(err, signal, deadlineMs, d, requestId);
    let lastError: GatewayError | undefined;
    /** When this request began waiting for a resting deployment: it waits router.max_queue_wait_ms at most, in all. */
    let restingSince: number | undefined;
    /** The group the last attempt went to: a later one starts its tries afresh. */
    let currentGroup = -1;
    /** Set when the last failure was this provider refusing one of the gateway's own credentials. */
    let refusedBy: string | undefined;
    const giveUp = (): GatewayError => (refusedBy !== undefined ? credentialsRefused(refusedBy, operator ? lastError : undefined) : lastError!);
    /** Deployments passed over because their credentials were full while a fallback could be tried. */
    let passedOver: Deployment[] | undefined;
    /**
     * May a deployment chosen before a wait for room still be sent this request? What the picks
     * below are made of: one that may be tried now, or (nowhere else to go) one that failed for this
     * request already, unless its key has been rejected since.
     */
    const usable = (d: Deployment): boolean => this.deps.health.canTry(d.key, d.limitKey) || (failed?.has(d.key) === true && !this.deps.health.isDisabled(d.limitKey));

    for (let tries = 0; ; tries++) {
      let next = this.available(groups, failed);
      // A group whose tries are used up falls back to the next one (if any) rather than give up,
      // even when a deployment of an earlier group has come back meanwhile.
      if (tries > this.config.router.retries) next = this.available(groups, failed, currentGroup + 1);
      let pick = next.deployments;
      /** Waiting for a credential with room is all that is left. */
      let lastResort = false;
      if (next.group > currentGroup) {
        currentGroup = next.group;
        tries = 0;
      } else if (pick.length === 0 && passedOver !== undefined) {
        // The fallbacks did not answer: wait for the credentials that were full after all (they
        // were never tried, so this is not a retry).
        pick = passedOver;
        passedOver = undefined;
        lastResort = true;
      }
      if (tries > this.config.router.retries && !lastResort) throw giveUp();
      try {
        if (pick.length === 0 && lastError) {
          // Everything has failed once: try the same places again after a backoff.
          pick = groups.flat().filter(usable);
          if (pick.length === 0) throw giveUp();
          const retries = Math.min(...pick.map((d) => failed?.get(d.key) ?? 0));
          const wait = backoffMs(retries - 1, this.config.router.backoff_ms, retryAfter(lastError), this.deps.random);
          if (performance.now() + wait - route.startedAt >= deadlineMs) throw giveUp();
          // An upstream asking for a long wait (a 429's "try again after 60 seconds") is waited for
          // no longer than a resting deployment is (router.max_queue_wait_ms); our own backoff is.
          const asked = retryAfter(lastError);
          if (asked !== undefined && asked > this.config.router.max_queue_wait_ms) {
            throw pick.every((d) => !this.deps.health.canTry(d.key, d.limitKey)) ? allCoolingDown(groups, this.deps.health) : giveUp();
          }
          await timeWaiting(route, sleep(wait, signal));
        } else if (pick.length === 0) {
          // Everything is resting after earlier failures: wait for the first to come back if that is
          // soon enough (as with full rate limits), rather than fail at once.
          const soonest = Math.min(...groups.flat().map((d) => this.deps.health.availableIn(d.key, d.limitKey)));
          const now = performance.now();
          restingSince ??= now;
          // A probe in flight is polled, so `soonest` alone would let the wait go on until the deadline.
          if (now - restingSince + soonest > this.config.router.max_queue_wait_ms || now + soonest - route.startedAt >= deadlineMs) {
            throw allCoolingDown(groups, this.deps.health);
          }
          this.waitingForRest++;
          try {
            await timeWaiting(route, sleep(soonest, signal));
          } finally {
            this.waitingForRest--;
          }
          tries--;
          continue;
        }
      } catch (err) {
        throw err instanceof GatewayError ? err : abortError(err);
      }

      // With a later group on other credentials to fall back to, a full credential is not waited
      // for: the fallback is tried first (on the same credentials it would wait in the same queue).
      const laterGroup = !lastResort && next.group >= 0 && this.fallbackOnOtherCredentials(groups, failed, next.group, pick);
      let admitted: { candidate: Deployment; lease: Lease | undefined };
      try {
        // Timed here rather than through timeWaiting: every request passes, and that adds an async step.
        const admitting = performance.now();
        try {
          admitted = await this.deps.admission.admit(pick, needed, signal, { wait: !laterGroup, usable });
        } finally {
          route.waitedMs += performance.now() - admitting;
        }
      } catch (err) {
        if (err instanceof NoUsableCandidate) {
          // What it waited for failed meanwhile: choose again (not a try: nothing was sent).
          tries--;
          continue;
        }
        if (!(err instanceof GatewayError)) throw abortError(err);
        // Refused before any upstream was tried: the record and metrics still name the model asked for.
        route.provider ??= pick[0]!.provider.name;
        route.model ??= pick[0]!.model;
        if (!laterGroup || err.code !== CAPACITY_EXCEEDED) throw err;
        lastError = err;
        refusedBy = undefined;
        failed ??= new Map();
        for (const d of pick) failed.set(d.key, failed.get(d.key) ?? 0);
        passedOver = [...(passedOver ?? []), ...pick];
        continue;
      }
      const { candidate, lease } = admitted;
      const release = (tokens: number | undefined): void => {
        this.deps.admission.release(lease, tokens).catch((err: unknown) => {
          console.error(`moongate: could not release a ${candidate.limitKey} slot: ${err instanceof Error ? err.message : String(err)}`);
        });
      };
      const attemptBegan = this.deps.health.beginAttempt(candidate.key);
      const attemptsBefore = route.attempts.length;
      try {
        const outcome = await this.attempt(body, candidate, call);
        if (!candidate.callerKey) this.deps.health.onSuccess(candidate.key, candidate.limitKey, attemptBegan);
        if (outcome.kind === 'json') {
          release(outcome.usage?.total_tokens);
          return outcome;
        }
        const { unlink, ...stream } = outcome;
        // `chat` wraps this finish to end the request's deadline too.
        return {
          ...stream,
          finish: ({ usage, failed: streamFailed }) => {
            unlink();
            if (streamFailed && !candidate.callerKey && !requestAtFault(stream.transformer.failure)) this.deps.health.onFailure(candidate.key, 'stream ended with an error');
            release(usage?.total_tokens);
          },
        };
      } catch (err) {
        // No record: refused before it was sent (by the provider's conversion).
        const record = route.attempts.length > attemptsBefore ? route.attempts.at(-1) : undefined;
        release(tokensOfFailedAttempt(record));
        const error = abortError(err, candidate);
        const verdict = judgeFailure(error, candidate.callerKey);
        // A request never sent tells nothing about the deployment: as a probe, or the first try of
        // a rejected key, its 400 must not close the breaker or re-enable the key.
        // This request's retries of a deployment it already failed on count once towards the
        // breaker: one request the upstream cannot serve (cut every time) must not rest it for all.
        const retryOfFailed = (failed?.get(candidate.key) ?? 0) > 0;
        this.applyVerdict(record === undefined ? 'none' : verdict.effect, candidate, error, verdict.retryAfterMs, attemptBegan, retryOfFailed);
        // A response committed early (keep-alives sent) cannot become another attempt's answer. Its
        // end is told as giving up would tell it: the gateway's own credential refused (no balance,
        // a rejected key) is the operator's to fix, and the upstream's text is theirs too.
        if (route.committedAt !== undefined) throw verdict.effect === 'disable_credential' ? credentialsRefused(candidate.provider.name, call.operator ? error : undefined) : error;
        if (!verdict.retryable) throw error;
        lastError = error;
        refusedBy = verdict.effect === 'disable_credential' ? candidate.provider.name : undefined;
        failed ??= new Map();
        failed.set(candidate.key, (failed.get(candidate.key) ?? 0) + 1);
      }
    }
  }

  /** Does a group after `group` have a deployment that may be tried now on a credential other than `pick`'s? */
  private fallbackOnOtherCredentials(groups: Deployment[][], failed: Map<string, number> | undefined, group: number, pick: Deployment[]): boolean {
    for (let i = group + 1; i < groups.length; i++) {
      for (const d of groups[i]!) {
        if (this.mayTryNow(d, failed) && !pick.some((p) => p.limitKey === d.limitKey)) return true;
      }
    }
    return false;
  }

  /**
   * The first group (targets, then fallbacks in order; from `from` on) with deployments that may be
   * tried now, and its index; -1 when there is none.
   */
  private available(groups: Deployment[][], failed: Map<string, number> | undefined, from = 0): Available {
    for (let i = from; i < groups.length; i++) {
      const ok = groups[i]!.filter((d) => this.mayTryNow(d, failed));
      if (ok.length > 0) return { deployments: ok, group: i };
    }
    return NONE_AVAILABLE;
  }

  /** Not failed for this request yet, and neither resting nor on a disabled credential. */
  private mayTryNow(d: Deployment, failed: Map<string, number> | undefined): boolean {
    return !failed?.has(d.key) && this.deps.health.canTry(d.key, d.limitKey);
  }

  /** Updates the deployment's health; state changes are also told to the operator's console. */
  private applyVerdict(effect: FailureVerdict['effect'], d: Deployment, error: GatewayError, retryAfterMs: number | undefined, attemptBegan: number, retryOfFailed = false): void {
    const reason = `${error.status} ${error.type}: ${error.message}`.slice(0, 300);
    if (effect === 'none') {
      this.deps.health.endProbe(d.key);
    } else if (effect === 'answered') {
      this.deps.health.onSuccess(d.key, d.limitKey, attemptBegan);
    } else if (effect === 'unhealthy') {
      if (this.deps.health.onFailure(d.key, reason, !retryOfFailed)) {
        console.warn(`moongate: ${d.key} is cooling down for ${this.config.router.cooldown.seconds} s after repeated failures (last: ${reason})`);
      }
    } else if (effect === 'cool') {
      const ms = retryAfterMs ?? this.config.router.cooldown.seconds * 1000;
      this.deps.health.coolFor(d.key, ms, reason);
    } else if (effect === 'disable_credential') {
      // The key failed, not this deployment: a probe learnt nothing about it. Left marked, it
      // would keep the deployment out of rotation once the key works again.
      this.deps.health.endProbe(d.key);
      if (this.deps.health.isDisabled(d.limitKey)) return;
      this.deps.health.disableCredential(d.limitKey, reason);
      console.warn(`moongate: credential ${d.limitKey} is disabled for now and will be tried again in a few minutes: ${reason}`);
    }
  }

  /** Turns an abort (client gone, deadline, shutdown, key revoked or expired, first-token timeout) into the error it stands for. */
  private classifyAbort(err: unknown, request: StopSignal, deadlineMs: number, d: Deployment | undefined, requestId: string): GatewayError {
    if (request.reason instanceof DeadlineExceeded) {
      return new OwnFailure(504, `${d ? `${d.provider.name}: ` : ''}the request did not finish within router.timeout_ms (${deadlineMs} ms).`, {
        type: 'timeout_error',
        code: 'request_timeout',
      });
    }
    // Stopped by the gateway itself, for a reason of its own (its own failures: they blame no deployment).
    if (request.reason instanceof GatewayShuttingDown || request.reason instanceof KeyEndedWhileRunning) return request.reason;
    if (request.aborted) return clientClosedRequest();
    if (err instanceof FirstTokenTimeout && d) {
      return new GatewayError(504, `${d.provider.name}: no first token within router.first_token_timeout_ms (${this.config.router.first_token_timeout_ms} ms).`, {
        type: 'timeout_error',
        code: 'first_token_timeout',
      });
    }
    return asGatewayError(err, requestId);
  }

  /**
   * One call to one deployment, recorded in the route (where it went, how long, how it failed).
   * Streams return only once their first event has arrived.
   */
  private async attempt(body: ChatRequestBody, d: Deployment, call: ChatCall): Promise<JsonOutcome | StreamAttempt> {
    const { route } = call;
    const ctx: CallContext = {
      requestId: call.requestId,
      callerScope: call.callerScope,
      clientWantsUsage: call.clientWantsUsage,
      captureResponse: call.captureResponse,
      upstreamKey: d.credential.apiKey,
      storedMetadata: call.storedMetadata,
      providerState: undefined,
    };
    const prepared = await d.provider.prepareChat(body, d.model, d.credential, ctx, call.clientBody);
    route.provider = d.provider.name;
    route.model = d.model;
    route.credential = d.credential.name;
    route.adjustments = prepared.adjustments;

    const sentAt = performance.now();
    const record: AttemptRecord = { provider: d.provider.name, model: d.model, credential: d.credential.name, started_ms: sentAt - route.startedAt, duration_ms: 0 };
    route.attempts.push(record);
    route.upstreamSentAt = sentAt;
    const request: UpstreamRequest = {
      baseUrl: d.credential.baseUrl,
      path: prepared.path,
      headers: prepared.headers,
      body: prepared.body,
      signal: call.abort.signal,
      timeoutMs: this.config.router.timeout_ms,
      providerName: d.provider.name,
    };
    try {
      const outcome = prepared.stream ? await this.attemptStream(request, call.abort.signal, d, ctx, record, route, call.keepAlive) : await this.attemptJson(request, d, ctx, record, route);
      record.duration_ms = performance.now() - sentAt;
      return outcome;
    } catch (err) {
      record.duration_ms = performance.now() - sentAt;
      // Stopped by the request (deadline, client gone, shutdown): the record says that, not what
      // the aborted upstream call looked like ("could not reach").
      const error = err instanceof FirstTokenTimeout ? err : call.abort.signal.aborted ? this.classifyAbort(err, call.abort.signal, this.config.router.timeout_ms, d, call.requestId) : asGatewayError(err, call.requestId);
      if (error instanceof GatewayError) {
        record.error_type = error.type;
        record.error_message = error.message.slice(0, 300);
      } else {
        record.error_type = 'timeout_error';
        record.error_message = 'no first token in time';
      }
      throw error;
    }
  }

  /** A non-stream call: the whole answer is read (from undici's dispatcher), checked and normalized. */
  private async attemptJson(request: UpstreamRequest, d: Deployment, ctx: CallContext, record: AttemptRecord, route: RouteInfo): Promise<JsonOutcome> {
    const res = await sendBufferedRequest(this.pools, request);
    route.upstreamHeadersAt = res.headersAt;
    route.upstreamEndAt = performance.now();
    record.status = res.status;
    if (res.status < 200 || res.status >= 300) throw mapUpstreamError(d, res.status, res.text, res.headers, false);
    const normalized = d.provider.normalizeResponse(parseAnswer(res.text, res.headers, d, false), ctx);
    // One literal whatever the answer: a conditional spread built a second object and a slower shape.
    return { kind: 'json', body: normalized.body, usage: normalized.usage, rateLimits: rateLimitHeaders(res.headers), raw: normalized.unchanged ? res.text : undefined };
  }

  /**
   * A stream call, with a switch of its own: a first-token timeout abandons this upstream call
   * only, not the request. The upstream request keeps that switch for the life of the stream;
   * `unlink` detaches it from the request's once the stream is over. An attempt without a
   * first-token timeout waits for its first event however long it takes, and sends the client
   * keep-alives meanwhile (`keepAlive`), committing the response.
   */
  private async attemptStream(
    request: UpstreamRequest,
    requestSignal: StopSignal,
    d: Deployment,
    ctx: CallContext,
    record: AttemptRecord,
    route: RouteInfo,
    keepAlive: ((rateLimits: Record<string, string> | undefined) => void) | undefined,
  ): Promise<StreamAttempt> {
    const attemptAbort = new LinkedAbort(requestSignal);
    const signal = attemptAbort.signal;
    const { first_token_timeout_ms: firstTokenMs, timeout_ms: deadlineMs, stream_keepalive_ms: keepAliveMs } = this.config.router;
    // A model that streams nothing while it thinks (OpenAI's reasoning models) is silent because it
    // works, not because it is dead: only the request's deadline bounds its first token. So does a
    // first-token timeout that could only fire once the deadline has passed: it would fail over to nothing.
    const firstTokenTimer =
      streamsNothingWhileThinking(d.provider.config.type, d.model) || firstTokenMs >= deadlineMs - record.started_ms
        ? undefined
        : setTimeout(() => attemptAbort.abort(new FirstTokenTimeout()), firstTokenMs);
    // Nothing to fail over on while the first event is awaited: rather than let the client (and a
    // proxy in front with its read timeout) see nothing for minutes, commit to this attempt once it
    // has been silent for the keep-alive interval, and keep sending comments. Silent counts from
    // when the request went out on a connected socket, not from the upstream's headers: an
    // upstream (or a proxy of its own) may hold those back while the model thinks. Not from
    // before: a deployment that cannot be reached (a connect timeout) still fails over. The
    // upstream's rate-limit headers go with the commit when they have come by then.
    let rateLimits: Record<string, string> | undefined;
    let keepAliveTimer: NodeJS.Timeout | undefined;
    const startKeepAlives =
      firstTokenTimer === undefined && keepAlive !== undefined && keepAliveMs > 0
        ? (): void => {
            keepAliveTimer ??= setInterval(() => {
              if (signal.aborted) return;
              route.committedAt ??= performance.now();
              keepAlive(rateLimits);
            }, keepAliveMs);
          }
        : undefined;
    let handedOver = false;
    try {
      const res = await sendUpstreamRequest(this.pools, { ...request, signal, onSent: startKeepAlives });
      route.upstreamHeadersAt = performance.now();
      record.status = res.status;
      if (res.status < 200 || res.status >= 300) throw mapUpstreamError(d, res.status, await readText(res, d.provider.name), res.headers, true);

      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.includes('text/event-stream')) {
        rateLimits = rateLimitHeaders(res.headers);
        const { stream, first } = await openEventStream(res, d, ctx, signal);
        handedOver = true;
        return { kind: 'stream', stream, first, signal, transformer: stream.transformer, unlink: () => attemptAbort.dispose(), rateLimits };
      }

      // A JSON body where a stream was asked for: an error in disguise, or a provider ignoring `stream`.
      const text = await readText(res, d.provider.name);
      route.upstreamEndAt = performance.now();
      parseAnswer(text, res.headers, d, true);
      throw new GatewayError(502, `${d.provider.name}: answered a streaming request with a JSON body instead of an event stream.`, {
        type: 'api_error',
        code: 'invalid_upstream_response',
      });
    } catch (err) {
      // Our own first-token timeout, not the request's abort: say so rather than "aborted".
      throw signal.aborted && !requestSignal.aborted ? signal.reason : err;
    } finally {
      clearTimeout(firstTokenTimer);
      clearInterval(keepAliveTimer);
      if (!handedOver) attemptAbort.dispose();
    }
  }
}

/**
 * Did the error that ended a started stream blame the request rather than the deployment? Judged
 * as the same error under its own status would be: Moonshot's content filter stopping the model's
 * output (`content_filter`, a 400) or another caller mistake found mid-stream is the request's,
 * and a few of them at once must not rest the deployment for every other caller. Server errors,
 * cuts and silences (no failure recorded, or the gateway's own api_error) count against it.
 */
function requestAtFault(failure: StreamFailure | undefined): boolean {
  if (failure === undefined) return false;
  const error = new GatewayError(statusForErrorType(failure.type), failure.rawMessage, { type: failure.type, code: failure.code });
  return judgeFailure(error, false).effect === 'answered';
}

/**
 * The tokens a failed attempt leaves in its credential's tpm window. One never sent (`record`
 * undefined), or refused with an error status, generated nothing: its estimate would otherwise
 * keep the window full for a minute, so that a short outage (a burst of 500s or 429s) outlives
 * itself as the gateway's own 429s. Anything else (a cut stream, a timeout, a client gone) may
 * have been generating and billed: its estimate stands.
 */
function tokensOfFailedAttempt(record: AttemptRecord | undefined): number | undefined {
  if (record === undefined) return 0;
  return record.status !== undefined && (record.status < 200 || record.status >= 300) ? 0 : undefined;
}

/**
 * The provider refused the gateway's own credential (a rejected key, no balance) on the last try:
 * the operator's problem, not the caller's. Passed on, its 401 would tell the caller's SDK that
 * the caller's key is wrong, a 429 would invite retries, and the upstream's text names the
 * operator's account and endpoint; the operator is told in the console and /health/ready, and a
 * request made with the master key gets the provider's text (with its region diagnosis) too.
 */
function credentialsRefused(provider: string, forOperator: GatewayError | undefined): GatewayError {
  const detail = forOperator ? ` The last refusal: ${forOperator.message}` : '';
  return new GatewayError(503, `${provider}: the provider refused the gateway's credentials for this model (a rejected key, or no balance left). This is for the gateway's operator to fix; /health/ready says which credential and why.${detail}`, {
    type: 'api_error',
    code: 'upstream_credentials_refused',
  });
}

function allCoolingDown(groups: Deployment[][], health: DeploymentHealth): GatewayError {
  const deployments = [...new Map(groups.flat().map((d) => [d.key, d])).values()];
  // When the first of the deployments asked for may be tried again: theirs, not their credentials'
  // (a credential is "ok" while another of its models is fine).
  const waits = deployments.map((d) => health.availableIn(d.key, d.limitKey)).filter((ms) => Number.isFinite(ms));
  const disabledUntil = health
    .snapshot([...new Set(deployments.map((d) => d.limitKey))])
    .filter((s) => s.state === 'disabled' && s.until !== undefined)
    .map((s) => s.until! - Date.now());
  const soonest = waits.length > 0 ? Math.min(...waits) : disabledUntil.length > 0 ? Math.min(...disabledUntil) : 30_000;
  const seconds = Math.max(1, Math.ceil(soonest / 1000));
  // States only: upstream error texts can name other tenants' accounts.
  const detail = deployments.map((d) => `${d.key}: ${health.isDisabled(d.limitKey) ? 'credential disabled' : health.deploymentState(d.key).replace('_', ' ')}`).join('; ');
  return new GatewayError(503, `Every deployment for this model is resting after recent failures (${detail}). Retry after ${seconds} s.`, {
    type: 'api_error',
    code: 'no_healthy_deployment',
    headers: { 'retry-after': String(seconds) },
  });
}

/** An error as a GatewayError; one that was not one already (a bug, a provider's exception) is the gateway's own failure. */
function asGatewayError(err: unknown, requestId: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const own = toGatewayError(err, requestId);
  return new OwnFailure(own.status, own.message, { type: own.type, code: own.code });
}

/** Adds the time `wait` takes to the route's waits. */
async function timeWaiting(route: RouteInfo, wait: Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await wait;
  } finally {
    route.waitedMs += performance.now() - started;
  }
}

function sleep(ms: number, signal: StopSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A name from the request's `fallbacks`: its targets (fallbacks do not chain). A 404 for it says
 * so, rather than blame `model`.
 */
function resolveFallback(name: string, index: number, config: GatewayConfig): RouteTarget[] {
  try {
    return resolveTargets(name, config);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    throw new GatewayError(err.status, `In \`fallbacks[${index}]\`: ${err.message}`, { type: err.type, code: err.code, param: `fallbacks[${index}]` });
  }
}
