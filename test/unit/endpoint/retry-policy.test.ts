import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterBackoffMs,
  isRetryableStatus,
  parseRetryAfterMs,
} from '../../../functions/endpoint/retry-policy.js';

const POLICY = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retry policy', () => {
  it('doubles the backoff cap per retry, up to the maximum', () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((n) => fullJitterBackoffMs(n, POLICY, almostOne))).toEqual([
      99, 199, 399, 799, 999,
    ]);
  });

  it('draws the wait uniformly from zero to the cap (full jitter)', () => {
    expect(fullJitterBackoffMs(3, POLICY, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(3, POLICY, () => 0.5)).toBe(200);
  });

  it('retries 5xx, 408 and 429 but not 501, 505 or other 4xx', () => {
    expect([500, 502, 503, 504, 408, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 407, 409, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After in delta-seconds', () => {
    expect(parseRetryAfterMs('3', 0)).toBe(3_000);
  });

  it('reads Retry-After as an HTTP date relative to now', () => {
    const nowMs = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', nowMs)).toBe(7_000);
  });

  it('never returns a negative wait for a Retry-After date in the past', () => {
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', Date.parse('2025-01-01T00:00:00Z'))).toBe(0);
  });

  it('ignores an absent or unparseable Retry-After', () => {
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs('-5', 0)).toBeUndefined();
  });

  it('defaults to four attempts', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(4);
  });
});
