import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  isLockFenceRejection,
  lockFenceConditionCheck,
  recordFenceGuard,
} from '../../../functions/lock/fence.js';
import type { Lease } from '../../../functions/lock/lease.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys, recordKeys } from '../../../functions/shared/tables.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { leaseOf, recordingLeaseLock } from './support.js';

const JOB = 'orders';

/**
 * Run A takes the lock and stalls past its lease; run B takes it over and commits newer data
 * (watermark and one record) under its fence. A then wakes up, unaware, with older data.
 */
async function staleHolderAfterTakeover() {
  const db = await freshTables('lock-fence');
  const clock = new ManualClock(Date.UTC(2025, 0, 1, 4, 0, 0));
  const lock = recordingLeaseLock(db, clock);
  const stale = leaseOf(await lock.acquire(JOB, { requestId: 'run-a', remainingTimeMs: 60_000 }));
  clock.set(stale.leaseUntilMs + 1);
  const current = leaseOf(await lock.acquire(JOB, { requestId: 'run-b', remainingTimeMs: 60_000 }));

  await commitWatermark(db, current, '2025-01-01T03:59:00Z', true);
  await writeRecord(db, current, 'shipped', true);
  return { db, stale, current };
}

function commitWatermark(db: LocalDynamoDb, lease: Lease, watermark: string, fenced: boolean) {
  const put = {
    Put: {
      TableName: db.tables.controlTable,
      Item: { ...controlKeys.watermark(JOB), watermark, fence: lease.fence },
    },
  };
  const items = fenced ? [lockFenceConditionCheck(lease, db.tables.controlTable), put] : [put];
  return db.documentClient.send(new TransactWriteCommand({ TransactItems: items }));
}

function writeRecord(db: LocalDynamoDb, lease: Lease, status: string, fenced: boolean) {
  return db.documentClient.send(
    new PutCommand({
      TableName: db.tables.recordsTable,
      Item: { ...recordKeys.record(JOB, 'order-1'), status, fence: lease.fence },
      ...(fenced ? recordFenceGuard(lease.fence) : {}),
    }),
  );
}

async function readWatermark(db: LocalDynamoDb) {
  const out = await db.documentClient.send(
    new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.watermark(JOB) }),
  );
  return out.Item?.watermark;
}

async function readRecordStatus(db: LocalDynamoDb) {
  const out = await db.documentClient.send(
    new GetCommand({ TableName: db.tables.recordsTable, Key: recordKeys.record(JOB, 'order-1') }),
  );
  return out.Item?.status;
}

describe('fenced writes after a takeover', () => {
  it('commits the current holder’s watermark in a transaction checked against the lock', async () => {
    const { db } = await staleHolderAfterTakeover();

    expect(await readWatermark(db)).toBe('2025-01-01T03:59:00Z');
  });

  it('rejects the stale holder’s watermark commit and keeps the newer watermark', async () => {
    const { db, stale } = await staleHolderAfterTakeover();

    const commit = commitWatermark(db, stale, '2025-01-01T02:00:00Z', true);

    const error = await commit.catch((e: unknown) => e);
    expect(isLockFenceRejection(error, 0)).toBe(true);
    expect(await readWatermark(db)).toBe('2025-01-01T03:59:00Z');
  });

  it('rejects the stale holder’s guarded record write and keeps the newer record', async () => {
    const { db, stale } = await staleHolderAfterTakeover();

    const write = writeRecord(db, stale, 'pending', true);

    await expect(write).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await readRecordStatus(db)).toBe('shipped');
  });

  it('lets the current holder rewrite its own record under the same fence (a retried write is harmless)', async () => {
    const { db, current } = await staleHolderAfterTakeover();

    await writeRecord(db, current, 'delivered', true);

    expect(await readRecordStatus(db)).toBe('delivered');
  });

  it('negative control: without the lock check, the stale holder regresses the watermark', async () => {
    const { db, stale } = await staleHolderAfterTakeover();

    await commitWatermark(db, stale, '2025-01-01T02:00:00Z', false);

    expect(await readWatermark(db)).toBe('2025-01-01T02:00:00Z');
  });

  it('negative control: without the record guard, the stale holder overwrites the newer record', async () => {
    const { db, stale } = await staleHolderAfterTakeover();

    await writeRecord(db, stale, 'pending', false);

    expect(await readRecordStatus(db)).toBe('pending');
  });
});
