// The values the lock hands out and answers with; shared by the lock itself and the fence helpers.
import { SyncWardenError } from '../shared/errors.js';
import type { LockItemSnapshot } from './lock-item.js';

/** A held lock. Pass it to release/renew and to the fence helpers that guard the run's commits. */
export interface Lease {
  readonly job: string;
  /** Request id plus a random suffix: unique per acquire, even for a retried invocation with the same request id. */
  readonly owner: string;
  /**
   * Fencing token: max(previous fence + 1, acquisition time in epoch ms). It grows with every acquire
   * of this job's lock and is never reused, even after the control table is restored from a backup.
   */
  readonly fence: number;
  /** Epoch ms after which another run may take the lock over. */
  readonly leaseUntilMs: number;
  readonly acquiredAtMs: number;
}

/** Who holds the lock, as read from the lock item when an acquire was refused. */
export interface LockHolder {
  readonly owner: string | undefined;
  readonly fence: number | undefined;
  readonly leaseUntilMs: number | undefined;
}

export type AcquireResult =
  | {
      readonly status: 'acquired';
      readonly lease: Lease;
      /** True when the previous lease expired without a release (its holder crashed or timed out). */
      readonly takeover: boolean;
      /** The lock as it was just before this acquire; absent for a lock never taken before. */
      readonly previous?: LockItemSnapshot;
    }
  | { readonly status: 'held'; readonly holder: LockHolder };

export type RenewResult =
  | { readonly status: 'renewed'; readonly lease: Lease }
  | { readonly status: 'lost'; readonly current: LockItemSnapshot };

export type ReleaseResult =
  /** Released now; `heldMs` is also published as `LockHeldMs`. */
  | { readonly status: 'released'; readonly heldMs: number }
  /** An earlier attempt of this same release had landed (a retry after an ambiguous failure). */
  | { readonly status: 'already-released'; readonly heldMs: number }
  /** Another run took the lock over while this one worked; published as `LockLostBeforeRelease`. */
  | { readonly status: 'lost'; readonly current: LockItemSnapshot }
  /** DynamoDB could not be reached; the lease frees itself at `leaseUntilMs`. */
  | { readonly status: 'unconfirmed'; readonly error: unknown };

/**
 * Thrown by acquire when the invocation has less time left than the minimum of useful work.
 * A failure rather than a skip: the run did not happen, and nothing else was running.
 */
export class InsufficientTimeError extends SyncWardenError {
  constructor(
    readonly job: string,
    readonly remainingTimeMs: number,
    readonly minRemainingTimeMs: number,
  ) {
    super(
      `job "${job}": ${remainingTimeMs} ms of invocation time left, below the minimum of ${minRemainingTimeMs} ms ` +
        'of useful work; not taking the lock (raise the function timeout or lower minRemainingTimeMs)',
      'insufficient-time',
    );
  }
}
