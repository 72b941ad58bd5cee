// Which answers are worth retrying and how long to wait: exponential backoff with full jitter
// (a random wait in [0, cap)), so many clients failing together do not retry in lockstep, and the
// server's Retry-After when it gives one.

export interface RetryPolicy {
  /** Attempts per call for transient failures (5xx, 429, network errors), the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
});

/** Wait before retry number `retryNumber` (1 for the first retry): uniform in [0, min(max, base·2^(n-1))). */
export function fullJitterBackoffMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const capMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * capMs);
}

/** 408, 429 and 5xx other than 501/505 (which say the request itself will never work). */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/** Statuses whose Retry-After header is honoured. */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Retry-After as a wait in ms: delta-seconds or an HTTP date (relative to `nowMs`, never negative).
 * Undefined when absent or unparseable, so the caller falls back to backoff.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
