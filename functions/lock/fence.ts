// Fencing for the writes a run makes while it holds the lock: a transaction check on the lock
// item, and a record-level guard, so a run that lost its lease can repeat work but never regress data.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../shared/errors.js';
import { controlKeys } from '../shared/tables.js';
import type { Lease } from './lease.js';
import { LockAttribute } from './lock-item.js';
import { requireLease, requireNonEmptyString } from './validate.js';

export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A `ConditionCheck` for TransactWriteItems: the transaction commits only if the lock item still
 * names this lease's owner and fence. Put it beside the watermark / run-ledger write.
 * Time is deliberately not checked: while owner and fence are unchanged nobody else has run.
 */
export function lockFenceConditionCheck(lease: Lease, controlTableName: string): TransactWriteItem {
  requireLease('lease', lease);
  requireNonEmptyString('controlTableName', controlTableName);
  return {
    ConditionCheck: {
      TableName: controlTableName,
      Key: controlKeys.lock(lease.job),
      ConditionExpression: '#lockOwner = :lockOwner AND #lockFence = :lockFence',
      ExpressionAttributeNames: { '#lockOwner': LockAttribute.owner, '#lockFence': LockAttribute.fence },
      ExpressionAttributeValues: { ':lockOwner': lease.owner, ':lockFence': lease.fence },
    },
  };
}

/** True when the transaction was cancelled because the lock check at `index` failed: the lease was lost. */
export function isLockFenceRejection(error: unknown, index: number): boolean {
  return (
    error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed'
  );
}

/** Attribute a fenced record carries: the fence of the run that last wrote it. */
export const RECORD_FENCE_ATTRIBUTE = 'fence';

export interface FenceGuard {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, number>;
}

/**
 * Condition parts for a Put/Update of an item that carries `fence`: the write lands only if no
 * newer lock holder has written it. The item written must set `fence` to the same value. Names are
 * prefixed (`#recordFence`, `:recordFence`) so they can be merged with the caller's own condition.
 */
export function recordFenceGuard(fence: number): FenceGuard {
  if (!Number.isSafeInteger(fence) || fence < 1) {
    throw new InvalidInputError('fence', 'an integer >= 1 (a lease fence)', String(fence));
  }
  return {
    ConditionExpression: 'attribute_not_exists(#recordFence) OR #recordFence <= :recordFence',
    ExpressionAttributeNames: { '#recordFence': RECORD_FENCE_ATTRIBUTE },
    ExpressionAttributeValues: { ':recordFence': fence },
  };
}
