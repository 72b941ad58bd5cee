// Key expiry: the days left are published before a run's first page (expiry-report.ts), so an alarm
// fires before the key expires; a key past `expiresAt` is refused before it is sent (a request would
// only produce a 401) by the endpoint client (auth-retry.ts), which reports it as every other Access
// Denied cause.

import { SyncWardenError } from '../shared/errors.js';
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
