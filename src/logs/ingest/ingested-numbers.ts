import { z } from 'zod';

/**
 * Numbers an ingested record may carry: far past any real request, and small enough that the sums
 * /v1/usage makes over millions of records stay finite (two costs of 1e308 summed to Infinity,
 * which the usage answer showed as 0).
 */
const MAX_TOKENS = 1e12;
const MAX_USD = 1e6;
const MAX_DURATION_MS = 365 * 86_400_000;

export const tokenCount = z.number().int().min(0).max(MAX_TOKENS);
export const usd = z.number().min(0).max(MAX_USD);
export const durationMs = z.number().min(0).max(MAX_DURATION_MS);
export const durationSeconds = z.number().min(0).max(MAX_DURATION_MS / 1000);
