import { GatewayError } from '../server/gateway-error.js';
import { OwnFailure } from './retry-policy.js';
import { StopSwitch } from '../upstream/stop-switch.js';
import type { StopSignal } from '../upstream/stop-switch.js';

/**
 * A stop switch that is also pulled when a parent signal is. Unlike AbortSignal.any, the link is
 * removed explicitly (`dispose`), so nothing lingers per request until garbage collection.
 */
export class LinkedAbort {
  private readonly own = new StopSwitch();
  private readonly onParentAbort = (): void => this.own.abort(this.parent.reason);

  constructor(private readonly parent: StopSignal) {
    if (parent.aborted) this.own.abort(parent.reason);
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): StopSignal {
    return this.own;
  }

  abort(reason: unknown): void {
    this.own.abort(reason);
  }

  dispose(): void {
    this.parent.removeEventListener('abort', this.onParentAbort);
  }
}

/** The reason a request is aborted when its deadline (router.timeout_ms) passes. */
export class DeadlineExceeded extends Error {}

/** How a stream stopped by its deadline ends: the gateway's own timeout, like the 504 of a JSON request. */
export const DEADLINE_PASSED = { message: 'the request did not finish within router.timeout_ms', type: 'timeout_error', code: 'request_timeout' } as const;

/** The error a client gets (or the log records) for a request the gateway stopped on shutdown. */
export const SHUTTING_DOWN = { message: 'the gateway is shutting down and stopped this request after its drain time', code: 'gateway_shutting_down' } as const;

/**
 * The reason a request is aborted when the gateway stops and the drain time has run out; it is
 * also the answer (503) to one whose stream had not begun, wherever the abort finds it.
 */
export class GatewayShuttingDown extends GatewayError {
  constructor() {
    super(503, `Moongate: ${SHUTTING_DOWN.message}.`, { type: 'api_error', code: SHUTTING_DOWN.code });
  }
}

/**
 * The reason a request is stopped when its gateway key is revoked (or expires) while it runs: the
 * 401 a new request with the key gets (`key_revoked` / `key_expired`), for a request already
 * admitted. A stream past its first event ends with it as an error event (`stopMessage`). One of
 * the gateway's own failures (OwnFailure): thrown from an attempt, it says nothing about the
 * deployment or its credential, though a 401 from upstream would disable that credential.
 */
export class KeyEndedWhileRunning extends OwnFailure {
  declare readonly code: 'key_revoked' | 'key_expired';

  constructor(
    /** Said as the stream's error event says it, after "Moongate: ". */
    readonly stopMessage: string,
    code: 'key_revoked' | 'key_expired',
  ) {
    super(401, `Moongate: ${stopMessage}.`, { type: 'authentication_error', code });
  }
}
