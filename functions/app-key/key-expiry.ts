// Pre-run expiry check: a key past `expiresAt` fails the run before any request is made (a request
// would only produce a 401), and the days left are published so an alarm fires before that happens.

import type { Clock } from '../shared/clock.js';
import { SyncWardenError } from '../shared/errors.js';
import type { MetricsSink } from '../shared/observability.js';
import type { AppKey } from './key-source.js';

const MS_PER_DAY = 24 * 60 * 60 * 1000;

export class ExpiredKeyError extends SyncWardenError {
  constructor(
    /** Where the key came from (secret name / file), never the value. */
    readonly source: string,
    readonly versionId: string,
    readonly expiresAt: Date,
    readonly checkedAt: Date,
    readonly keyName?: string,
  ) {
    super(
      `app key${keyName ? ` "${keyName}"` : ''} from ${source} (version ${versionId}) expired at ` +
        `${expiresAt.toISOString()} (now ${checkedAt.toISOString()}); create a new key and put it in the secret`,
      'expired-key',
    );
  }
}

/** Days (fractional) until the key expires; negative once expired; undefined when the secret has no expiry. */
export function daysToExpiry(key: AppKey, nowMs: number): number | undefined {
  return key.expiresAt === undefined ? undefined : (key.expiresAt.getTime() - nowMs) / MS_PER_DAY;
}

/** Throws `ExpiredKeyError` (reason `expired-key`) if the key is at or past its expiry. */
export function assertKeyNotExpired(key: AppKey, source: string, nowMs: number): void {
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= nowMs) {
    throw new ExpiredKeyError(source, key.versionId, key.expiresAt, new Date(nowMs), key.keyName);
  }
}

/**
 * The check a run makes once before its first request: publishes `AppKeyDaysToExpiry` (when the secret
 * carries an expiry) and then fails fast if the key has expired.
 */
export function checkKeyBeforeRun(
  key: AppKey,
  deps: { readonly source: string; readonly clock: Clock; readonly metrics: MetricsSink },
): { daysToExpiry?: number } {
  const nowMs = deps.clock.nowMs();
  const days = daysToExpiry(key, nowMs);
  if (days !== undefined) deps.metrics.addMetric('AppKeyDaysToExpiry', 'None', Math.round(days * 100) / 100);
  assertKeyNotExpired(key, deps.source, nowMs);
  return days === undefined ? {} : { daysToExpiry: days };
}
