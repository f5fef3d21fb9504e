/** Public types of the Moonshot simulator (re-exported from index.ts). */

export type SimRegion = 'global' | 'cn';
export type SimTier = 0 | 1 | 2 | 3 | 4 | 5;

export interface SimulatorOptions {
  /** 0 = random free port (default). */
  port?: number;
  /** Default 127.0.0.1: the simulator is a local test double, never a public server. */
  host?: string;
  /** Delay before a chat response starts (default 0). */
  latencyMs?: number;
  /** Delay between stream chunks (default 0); a non-stream reply waits for the whole "generation". */
  tokenDelayMs?: number;
  /** Explicit keys; they win over the key-naming rules. */
  keys?: SimKey[];
  /** Injectable clock (ms) for rate-limit windows, `created` and `startedAt`. */
  now?: () => number;
  /**
   * Answer a model whose catalogue `retired_on` day has come (by `now`) with 404
   * `Not found the model {id} or Permission denied`, as Moonshot does, and leave it out of
   * `/v1/models`. Default false: retired ids are still served.
   */
  retireModels?: boolean;
  quiet?: boolean;
  /**
   * Requests kept in `requests`, at least (default 10,000): once there are this many more again
   * (at most 1,000 more), the oldest are dropped down to it, so that a simulator left running under
   * load does not grow without end. `requests.length` can therefore fall.
   */
  maxRecordedRequests?: number;
}

export interface SimKey {
  key: string;
  region: SimRegion;
  /** No tier = no rate limits. */
  tier?: SimTier;
  /** Account balance; 0 or less answers chat with 429 exceeded_current_quota_error. Default 100. */
  balance?: number;
  revoked?: boolean;
}

export interface RecordedRequest {
  id: string;
  method: string;
  path: string;
  region: SimRegion;
  /** The header exactly as received, so tests can see which key arrived. */
  authorization: string | undefined;
  /** Parsed JSON body; the raw text when it did not parse; undefined when empty. */
  body: unknown;
  /** The body exactly as it arrived ('' when empty), for tests of what was forwarded byte for byte. */
  text: string;
  startedAt: number;
  /** The client closed the connection before the response finished. */
  aborted: boolean;
  finished: boolean;
  status?: number;
}

export interface SimStats {
  inFlight: number;
  maxInFlight: number;
  aborted: number;
}

export interface FaultMatch {
  model?: string;
  key?: string;
  region?: SimRegion;
}

/**
 * A scripted misbehaviour for the next matching chat request(s). With `status` the request fails
 * with a Moonshot-shaped error; without it the request is served normally but slowed, cut or garbled.
 */
export interface Fault {
  status?: number;
  type?: string;
  message?: string;
  /** 429 only: goes into Moonshot's "please try again after {t} seconds" phrase (no header). */
  retryAfterSeconds?: number;
  /** How many matching requests this fault applies to (default 1). */
  times?: number;
  match?: FaultMatch;
  latencyMs?: number;
  /** Stream: destroy the socket after this many chunks. Non-stream: destroy it before answering. */
  cutAfterChunks?: number;
  /** Answer 200 with a body that is not JSON. */
  garbage?: boolean;
}

export interface Simulator {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** `${url}/v1` — stands in for https://api.moonshot.ai/v1. */
  globalBaseUrl: string;
  /** `${url}/cn/v1` — stands in for https://api.moonshot.cn/v1. */
  cnBaseUrl: string;
  /** The API requests received, in order: at least the latest `maxRecordedRequests` (control-API calls under /_sim are not recorded). */
  requests: RecordedRequest[];
  stats: SimStats;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Clears requests, stats, faults, rate-limit counters and the prompt cache. */
  reset(): void;
  close(): Promise<void>;
}

/** A Moonshot-shaped error: `{"error":{"message","type"}}` with an HTTP status. */
export interface SimError {
  status: number;
  type: string;
  message: string;
}
