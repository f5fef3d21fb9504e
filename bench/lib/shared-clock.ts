/**
 * Milliseconds on the machine's monotonic clock (Linux CLOCK_MONOTONIC, which `process.hrtime`
 * reads): the same clock in every process, so stamps taken in different processes can be
 * subtracted. (`performance.timeOrigin + performance.now()` is not quite: each process samples the
 * wall clock for its origin when it starts.)
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
