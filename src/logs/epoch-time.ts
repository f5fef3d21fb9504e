/**
 * Below this an epoch number is read as seconds, at and above it as milliseconds: 10^11 ms is
 * March 1973 (no log record is from then), 10^11 s is the year 5138 (no record is from then
 * either). The log queries (`from`, `to`) and ingestion (`created_at`) read numbers alike, so a
 * shipper sending `time.time()` files its records at the instant `from=` with that number finds.
 */
const SECONDS_BELOW = 1e11;

/** An epoch time in seconds or milliseconds (see SECONDS_BELOW) → epoch milliseconds. */
export function epochMs(n: number): number {
  return n < SECONDS_BELOW ? n * 1000 : n;
}
