/** How fast a process's live heap grows with the requests it serves: the soak's verdict. */

export interface GrowthPoint {
  /** Requests served so far when the reading was taken. */
  requests: number;
  /** Live heap after full collections, bytes. */
  live_heap_bytes: number;
}

export interface Growth {
  first_mb: number;
  last_mb: number;
  /** Requests served between the first reading and the last. */
  requests: number;
  /**
   * Least-squares slope of live heap over requests served, in bytes per 1,000 requests: a leak of
   * ~100 bytes a request reads ~100,000. One reading's jump moves it less than the ends alone would.
   */
  bytes_per_1000_requests: number;
}

export function growthPerRequest(readings: readonly GrowthPoint[]): Growth {
  if (readings.length === 0) throw new Error('growthPerRequest: no readings');
  const first = readings[0]!;
  const last = readings.at(-1)!;
  const n = readings.length;
  const meanX = readings.reduce((s, r) => s + r.requests, 0) / n;
  const meanY = readings.reduce((s, r) => s + r.live_heap_bytes, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const r of readings) {
    sxy += (r.requests - meanX) * (r.live_heap_bytes - meanY);
    sxx += (r.requests - meanX) ** 2;
  }
  return {
    first_mb: toMb(first.live_heap_bytes),
    last_mb: toMb(last.live_heap_bytes),
    requests: last.requests - first.requests,
    bytes_per_1000_requests: sxx === 0 ? 0 : Math.round((sxy / sxx) * 1000),
  };
}

export function toMb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}
