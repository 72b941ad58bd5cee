// The fence helpers' edges that DynamoDB Local cannot produce on demand: a cancelled transaction
// whose reasons are missing or shorter than the caller's index, and the smallest fence a lease has.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  isLockFenceRejection,
  lockFenceConditionCheck,
  recordFenceGuard,
} from '../../../functions/lock/fence.js';

const cancelled = (codes?: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    ...(codes ? { CancellationReasons: codes.map((Code) => ({ Code })) } : {}),
  });

describe('telling a lost lease from other transaction failures', () => {
  it('answers true only for a failed condition at the lock check’s own index', () => {
    const error = cancelled(['None', 'ConditionalCheckFailed']);

    expect(isLockFenceRejection(error, 1)).toBe(true);
    expect(isLockFenceRejection(error, 0)).toBe(false);
  });

  it('answers false, without throwing, when the reasons are missing or do not reach the index', () => {
    expect(isLockFenceRejection(cancelled(), 0)).toBe(false);
    expect(isLockFenceRejection(cancelled(['ConditionalCheckFailed']), 1)).toBe(false);
  });

  it('answers false for a transaction cancelled by a conflict, not by the lock check', () => {
    expect(isLockFenceRejection(cancelled(['TransactionConflict']), 0)).toBe(false);
  });
});

describe('the smallest fence', () => {
  it('guards a record with fence 1 (the first fence of counter-fenced lock items)', () => {
    expect(recordFenceGuard(1)).toEqual({
      ConditionExpression: 'attribute_not_exists(#recordFence) OR #recordFence <= :recordFence',
      ExpressionAttributeNames: { '#recordFence': 'fence' },
      ExpressionAttributeValues: { ':recordFence': 1 },
    });
  });
});

describe('the lock check', () => {
  it('refuses a malformed lease, naming the lease field', () => {
    const lease = { job: 'orders', owner: '', fence: 3, leaseUntilMs: 0, acquiredAtMs: 0 };

    expect(() => lockFenceConditionCheck(lease, 'control')).toThrow(
      /^lease\.owner: expected a non-empty string/,
    );
  });
});
