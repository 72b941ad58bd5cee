// Fences across a point-in-time restore of the control table. A PITR restore brings back every item as
// it was at the chosen time, into a new table (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_restores.html):
// the lock item comes back with the fence it had then, while the records table keeps records written
// under the higher fences handed out since. DynamoDB Local has no PITR, so the test puts the lock item
// back as it was, which is what the restored table holds.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { lockFenceConditionCheck } from '../../../functions/lock/fence.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { RecordsStore } from '../../../functions/sync/records-store.js';
import { WatermarkStore } from '../../../functions/sync/watermark.js';
import { freshTables } from '../../support/dynamodb.js';
import { leaseOf, recordingLeaseLock } from './support.js';

const JOB = 'orders';
const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const HOUR_MS = 3_600_000;

async function setup() {
  const db = await freshTables('lock-restore');
  const clock = new ManualClock(T0_MS);
  const lock = recordingLeaseLock(db, clock);
  const records = new RecordsStore({ documentClient: db.documentClient, tableName: db.tables.recordsTable });
  const watermarks = new WatermarkStore(db.documentClient, db.tables.controlTable);
  const acquire = async () => leaseOf(await lock.acquire(JOB, { requestId: 'run', remainingTimeMs: 60_000 }));
  const lockItem = async () =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.lock(JOB) }),
      )
    ).Item;
  const putLockItem = (item: Record<string, unknown>) =>
    db.documentClient.send(new PutCommand({ TableName: db.tables.controlTable, Item: item }));
  /** One run: take the lock at the clock's time, store a version of record "r1", commit, release. */
  const runWriting = async (value: string, sourceTimestampMs: number) => {
    const lease = await acquire();
    const written = await records.write(
      [{ key: 'r1', sourceTimestampMs, data: { value } }],
      { job: JOB, runId: value, fence: lease.fence },
      { readAtMs: clock.nowMs(), syncedAtMs: clock.nowMs() },
    );
    await watermarks.commit(
      JOB,
      { timestampMs: sourceTimestampMs, key: 'r1' },
      lockFenceConditionCheck(lease, db.tables.controlTable),
      { runId: value, fence: lease.fence, committedAtMs: clock.nowMs() },
    );
    const released = await lock.release(lease);
    return { lease, written, released };
  };
  return { db, clock, acquire, lockItem, putLockItem, runWriting };
}

describe('fences after a point-in-time restore of the control table', () => {
  it('hands out a fence above every fence issued before the restore, so records written since still take updates', async () => {
    const { clock, lockItem, putLockItem, runWriting } = await setup();
    await runWriting('v1', 1_000);
    const backup = await lockItem(); // the state a restore to this moment brings back
    clock.advance(HOUR_MS);
    await runWriting('v2', 2_000);
    clock.advance(HOUR_MS);
    const beforeRestore = await runWriting('v3', 3_000);

    await putLockItem(backup as Record<string, unknown>); // the restore
    clock.advance(HOUR_MS);
    const afterRestore = await runWriting('v4', 4_000);

    expect(afterRestore.lease.fence).toBeGreaterThan(beforeRestore.lease.fence);
    expect(afterRestore.written).toMatchObject({ written: 1, alreadyStored: 0 });
    expect(afterRestore.released.status).toBe('released');
  });

  it('still grows the fence when the clock is behind the stored fence (a fence issued by a faster clock)', async () => {
    const { acquire, lockItem, putLockItem } = await setup();
    const aheadMs = T0_MS + 10 * 60_000;
    await putLockItem({ ...controlKeys.lock(JOB), fence: aheadMs, leaseUntil: 0 });

    const lease = await acquire();

    expect(lease.fence).toBe(aheadMs + 1);
    expect(await lockItem()).toMatchObject({ fence: aheadMs + 1, owner: lease.owner });
  });

  it('moves a lock item from the counter fences of earlier versions to time fences in one step', async () => {
    const { acquire, putLockItem } = await setup();
    await putLockItem({ ...controlKeys.lock(JOB), fence: 41, leaseUntil: 0 });

    expect((await acquire()).fence).toBe(T0_MS);
  });
});
