// Lease lock over one DynamoDB item per job: acquire, renew and release, each a single conditional
// UpdateItem (acquire needs a second one only when the stored fence is ahead of its clock). The item is never deleted, so its fence only grows and can guard the run's commits. A
// fence is max(previous + 1, acquisition time in ms): it grows with every acquire, and it also stays
// above every fence handed out before a point-in-time restore of the control table brought back an
// older lock item (see "Restoring the control table" in README.md).
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../shared/clock.js';
import type { LogSink, MetricsSink } from '../shared/observability.js';
import { controlKeys, PARTITION_KEY } from '../shared/tables.js';
import {
  type AcquireResult,
  InsufficientTimeError,
  type Lease,
  type ReleaseResult,
  type RenewResult,
} from './lease.js';
import {
  LockAttribute,
  type LockItemSnapshot,
  lockItemFromAttributeValues,
  lockItemFromDocument,
} from './lock-item.js';
import { LockMetric } from './observability.js';
import {
  requireJobName,
  requireLease,
  requireNonEmptyString,
  requireNonNegativeIntegerMs,
  requirePositiveIntegerMs,
} from './validate.js';

export const DEFAULT_LEASE_MARGIN_MS = 45_000;
export const DEFAULT_MIN_REMAINING_TIME_MS = 30_000;

export interface LeaseLockOptions {
  readonly documentClient: DynamoDBDocumentClient;
  /** The control table. */
  readonly tableName: string;
  readonly metrics: MetricsSink;
  readonly logger: LogSink;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Added to the invocation's remaining time to make the lease. Covers clock differences between
   * Lambdas and the time between Lambda's kill and the lease being observed as expired.
   * @default 45_000
   */
  readonly leaseMarginMs?: number;
  /** Acquire refuses when the invocation has less time left than this. @default 30_000 */
  readonly minRemainingTimeMs?: number;
}

export interface AcquireRequest {
  /** The invocation's request id (`context.awsRequestId`); the owner is this plus a random suffix. */
  readonly requestId: string;
  /** The invocation's remaining time (`context.getRemainingTimeInMillis()`); 0 means no time, not unknown. */
  readonly remainingTimeMs: number;
}

export interface LeaseLock {
  /** Takes the job's lock, or answers who holds it. Throws `InsufficientTimeError` when too little time is left. */
  acquire(job: string, request: AcquireRequest): Promise<AcquireResult>;
  /** Moves the lease end to max(lease end, now) + extendByMs, if the lease is still this run's. */
  renew(lease: Lease, extendByMs: number): Promise<RenewResult>;
  /** Frees the lock for the next run. Never throws over the run's result: failures come back as a status. */
  release(lease: Lease): Promise<ReleaseResult>;
}

const names = {
  '#pk': PARTITION_KEY,
  '#owner': LockAttribute.owner,
  '#fence': LockAttribute.fence,
  '#leaseUntil': LockAttribute.leaseUntil,
} as const;

export function createLeaseLock(options: LeaseLockOptions): LeaseLock {
  const { documentClient, metrics, logger } = options;
  const tableName = requireNonEmptyString('tableName', options.tableName);
  const clock = options.clock ?? systemClock;
  const leaseMarginMs = requireNonNegativeIntegerMs(
    'leaseMarginMs',
    options.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS,
  );
  const minRemainingTimeMs = requireNonNegativeIntegerMs(
    'minRemainingTimeMs',
    options.minRemainingTimeMs ?? DEFAULT_MIN_REMAINING_TIME_MS,
  );

  async function acquire(job: string, request: AcquireRequest): Promise<AcquireResult> {
    requireJobName('job', job);
    // A missing request (a JavaScript caller) fails here, naming requestId, so `request` is set below.
    const requestId = requireNonEmptyString('requestId', request?.requestId);
    const remainingTimeMs = requireNonNegativeIntegerMs('remainingTimeMs', request.remainingTimeMs);
    // 0 left can never be useful work, even with the minimum configured as 0.
    if (remainingTimeMs === 0 || remainingTimeMs < minRemainingTimeMs) {
      throw new InsufficientTimeError(job, remainingTimeMs, minRemainingTimeMs);
    }

    const nowMs = clock.nowMs();
    const owner = newOwner(requestId);
    const leaseUntilMs = nowMs + remainingTimeMs + leaseMarginMs;
    let previous: LockItemSnapshot | undefined;
    // DynamoDB has no max() in an update expression, so the fence is proposed and conditioned on
    // being above the stored one. The clock is almost always ahead of the last fence (one acquire per
    // lease): one request. A fence at or above the clock (a clock behind a fence issued by a faster
    // one) costs a second request proposing that fence + 1, and so on; each lost race to another run
    // ends in `held` instead, because the lease condition fails then too.
    let fence = Math.floor(nowMs);
    for (;;) {
      try {
        const output = await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: controlKeys.lock(job),
            UpdateExpression:
              'SET #owner = :owner, #fence = :fence, #leaseUntil = :leaseUntil, #acquiredAt = :now',
            ConditionExpression:
              '(attribute_not_exists(#pk) OR #leaseUntil < :now) AND (attribute_not_exists(#fence) OR #fence < :fence)',
            ExpressionAttributeNames: { ...names, '#acquiredAt': LockAttribute.acquiredAt },
            ExpressionAttributeValues: {
              ':owner': owner,
              ':fence': fence,
              ':leaseUntil': leaseUntilMs,
              ':now': nowMs,
            },
            // The old item, not the new one: it says whether an owner was still set (a takeover).
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        previous = output.Attributes ? lockItemFromDocument(output.Attributes) : undefined;
        break;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = error.Item ? lockItemFromAttributeValues(error.Item) : {};
        // Read as the condition does: a missing lease end fails `#leaseUntil < :now` (held), a missing
        // fence passes `attribute_not_exists(#fence)` (never the reason). Our own landed attempt never
        // looks free: its lease ends after nowMs.
        const leaseFree = (current.leaseUntilMs ?? nowMs) < nowMs;
        const storedFence = current.fence ?? Number.NEGATIVE_INFINITY;
        if (leaseFree && storedFence >= fence) {
          fence = storedFence + 1; // the stored fence is ahead of our clock: go one above it
          continue;
        }
        return lockHeld(job, owner, fence, leaseUntilMs, nowMs, current);
      }
    }

    const lease: Lease = { job, owner, fence, leaseUntilMs, acquiredAtMs: nowMs };
    const takeover = reportAcquired(lease, previous);
    return previous
      ? { status: 'acquired', lease, takeover, previous }
      : { status: 'acquired', lease, takeover };
  }

  /** Publishes the acquire; answers whether it took the lock over from a run that never released it. */
  function reportAcquired(lease: Lease, previous: LockItemSnapshot | undefined): boolean {
    metrics.addMetric(LockMetric.acquired, 'Count', 1);
    // Release removes the owner, so an owner still set on the expired lease means it was never released.
    if (previous?.owner === undefined) {
      logger.info('Lock acquired', { job: lease.job, ...leaseFields(lease) });
      return false;
    }
    metrics.addMetric(LockMetric.takeover, 'Count', 1);
    logger.warn('Lock taken over from a run that never released it (crashed or timed out)', {
      job: lease.job,
      ...leaseFields(lease),
      previousOwner: previous.owner,
      previousFence: previous.fence,
      previousLeaseUntil: previous.leaseUntilMs,
    });
    return true;
  }

  /** The acquire was refused: the lock is held, or it is ours already (a retried request that landed). */
  function lockHeld(
    job: string,
    owner: string,
    fence: number,
    leaseUntilMs: number,
    nowMs: number,
    current: LockItemSnapshot,
  ): AcquireResult {
    // The SDK retried an attempt that had landed (a timeout after the write): the "holder" is us, and
    // the fence stored is the one this request proposed (the SDK resends the same request).
    if (current.owner === owner) {
      const lease = { job, owner, fence, leaseUntilMs, acquiredAtMs: nowMs };
      metrics.addMetric(LockMetric.acquired, 'Count', 1);
      logger.info('Lock acquired (a retried request had already landed)', { job, ...leaseFields(lease) });
      return { status: 'acquired', lease, takeover: false };
    }
    const holder = { owner: current.owner, fence: current.fence, leaseUntilMs: current.leaseUntilMs };
    metrics.addMetric(LockMetric.runSkippedLockHeld, 'Count', 1);
    logger.info('Run skipped: the lock is held by another run', {
      job,
      holder: { owner: holder.owner, fence: holder.fence, leaseUntil: holder.leaseUntilMs },
      holderLeaseRemainingMs: holder.leaseUntilMs === undefined ? undefined : holder.leaseUntilMs - nowMs,
    });
    return { status: 'held', holder };
  }

  async function renew(lease: Lease, extendByMs: number): Promise<RenewResult> {
    requireLease('lease', lease);
    requirePositiveIntegerMs('extendByMs', extendByMs);
    const nowMs = clock.nowMs();
    const requestedLeaseUntilMs = Math.max(lease.leaseUntilMs, nowMs) + extendByMs;
    try {
      // Same owner and fence means nobody else has taken the lock, so extending is safe even if
      // the lease has already run out. `<=` makes a resend of the same request pass again.
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: controlKeys.lock(lease.job),
          UpdateExpression: 'SET #leaseUntil = :leaseUntil',
          ConditionExpression: '#owner = :owner AND #fence = :fence AND #leaseUntil <= :leaseUntil',
          ExpressionAttributeNames: {
            '#owner': names['#owner'],
            '#fence': names['#fence'],
            '#leaseUntil': names['#leaseUntil'],
          },
          ExpressionAttributeValues: {
            ':owner': lease.owner,
            ':fence': lease.fence,
            ':leaseUntil': requestedLeaseUntilMs,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'renewed', lease: { ...lease, leaseUntilMs: requestedLeaseUntilMs } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? lockItemFromAttributeValues(error.Item) : {};
      // Still ours and already reaching further (an earlier renew landed): done, never shortened.
      if (
        current.owner === lease.owner &&
        current.fence === lease.fence &&
        current.leaseUntilMs !== undefined
      ) {
        return { status: 'renewed', lease: { ...lease, leaseUntilMs: current.leaseUntilMs } };
      }
      logger.warn('Lock lost before renew: another run holds it now', {
        job: lease.job,
        ...leaseFields(lease),
        current,
      });
      return { status: 'lost', current };
    }
  }

  async function release(lease: Lease): Promise<ReleaseResult> {
    requireLease('lease', lease);
    const nowMs = clock.nowMs();
    const heldMs = Math.max(0, nowMs - lease.acquiredAtMs);
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: controlKeys.lock(lease.job),
          // releasedBy/releasedFence stay until the next release, so a retry of this one can tell
          // "my release already landed" from "someone took the lock from me".
          UpdateExpression:
            'SET #leaseUntil = :zero, #releasedAt = :now, #releasedBy = :owner, #releasedFence = :fence REMOVE #owner',
          ConditionExpression: '#owner = :owner AND #fence = :fence',
          ExpressionAttributeNames: {
            '#owner': names['#owner'],
            '#fence': names['#fence'],
            '#leaseUntil': names['#leaseUntil'],
            '#releasedAt': LockAttribute.releasedAt,
            '#releasedBy': LockAttribute.releasedBy,
            '#releasedFence': LockAttribute.releasedFence,
          },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':now': nowMs,
            ':owner': lease.owner,
            ':fence': lease.fence,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      metrics.addMetric(LockMetric.heldMs, 'Milliseconds', heldMs);
      logger.info('Lock released', { job: lease.job, ...leaseFields(lease), heldMs });
      return { status: 'released', heldMs };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item ? lockItemFromAttributeValues(error.Item) : {};
        if (current.releasedBy === lease.owner && current.releasedFence === lease.fence) {
          metrics.addMetric(LockMetric.heldMs, 'Milliseconds', heldMs);
          logger.info('Lock release had already landed (retried request)', {
            job: lease.job,
            ...leaseFields(lease),
          });
          return { status: 'already-released', heldMs };
        }
        metrics.addMetric(LockMetric.lostBeforeRelease, 'Count', 1);
        logger.warn('Lock lost before release: the lease expired and another run took it', {
          job: lease.job,
          ...leaseFields(lease),
          current,
        });
        return { status: 'lost', current };
      }
      // The run's own result matters more than this: the lease frees itself at leaseUntil anyway.
      logger.error('Lock release not confirmed; the lock frees itself when the lease ends', {
        job: lease.job,
        ...leaseFields(lease),
        error,
      });
      return { status: 'unconfirmed', error };
    }
  }

  return { acquire, renew, release };
}

function newOwner(requestId: string): string {
  // Lambda retries an async invocation with the same request id; the suffix keeps the attempts apart.
  return `${requestId}#${randomBytes(6).toString('hex')}`;
}

function leaseFields(lease: Lease) {
  return { owner: lease.owner, fence: lease.fence, leaseUntil: lease.leaseUntilMs };
}
