// Renew and release only ever answer "still yours" when the lock item names this lease's owner and
// fence, both of them; and acquire and renew fail loudly when DynamoDB cannot answer, because "held"
// or "lost" would be a claim about a lock item nobody read.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../functions/lock/lease.js';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { findFreeLoopbackPort, localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import { freshTables } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { leaseOf } from './support.js';

const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const JOB = 'orders';

async function setup() {
  const db = await freshTables('lock-refusals');
  const clock = new ManualClock(T0_MS);
  const metrics = new RecordingMetrics();
  const lock = createLeaseLock({
    documentClient: db.documentClient,
    tableName: db.tables.controlTable,
    clock,
    metrics,
    logger: new RecordingLogger(),
  });
  const holder = leaseOf(await lock.acquire(JOB, { requestId: 'run-a', remainingTimeMs: 60_000 }));
  const readLockItem = async () =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.lock(JOB) }),
      )
    ).Item;
  return { db, clock, metrics, lock, holder, readLockItem };
}

/** A lease lock whose DynamoDB endpoint refuses connections, on the same clock and sinks. */
async function offlineLock(clock: ManualClock, metrics: RecordingMetrics) {
  const client = new DynamoDBClient({
    ...localDynamoDbClientConfig(`http://127.0.0.1:${await findFreeLoopbackPort()}`),
    maxAttempts: 1,
  });
  const lock = createLeaseLock({
    documentClient: DynamoDBDocumentClient.from(client),
    tableName: 'unreachable-control',
    clock,
    metrics,
    logger: new RecordingLogger(),
  });
  return { lock, close: () => client.destroy() };
}

describe('renew refuses a lease the lock item does not name', () => {
  it.each([
    [
      'another owner with the holder’s fence',
      (lease: Lease) => ({ ...lease, owner: 'impostor#000000000000' }),
    ],
    ['the holder’s owner with another fence', (lease: Lease) => ({ ...lease, fence: lease.fence - 1 })],
  ])('answers lost for %s and leaves the holder’s lease end alone', async (_label, forge) => {
    const { lock, holder, readLockItem } = await setup();

    const result = await lock.renew(forge(holder), 600_000);

    expect(result).toMatchObject({ status: 'lost', current: { owner: holder.owner, fence: holder.fence } });
    expect(await readLockItem()).toMatchObject({ leaseUntil: holder.leaseUntilMs });
  });

  it('answers lost, not a lease without an end, when the item naming it has no lease end', async () => {
    const { db, lock, holder } = await setup();
    await db.documentClient.send(
      new PutCommand({
        TableName: db.tables.controlTable,
        Item: { ...controlKeys.lock(JOB), owner: holder.owner, fence: holder.fence },
      }),
    );

    const result = await lock.renew(holder, 60_000);

    expect(result).toEqual({ status: 'lost', current: { owner: holder.owner, fence: holder.fence } });
  });
});

describe('a second release recognises only its own landed release', () => {
  it.each([
    [
      'another owner with the released fence',
      (lease: Lease) => ({ ...lease, owner: 'impostor#000000000000' }),
    ],
    ['the released owner with another fence', (lease: Lease) => ({ ...lease, fence: lease.fence + 1 })],
  ])('answers lost for %s and counts LockLostBeforeRelease', async (_label, forge) => {
    const { lock, holder, metrics, readLockItem } = await setup();
    await lock.release(holder);

    const result = await lock.release(forge(holder));

    expect(result).toMatchObject({
      status: 'lost',
      current: { releasedBy: holder.owner, releasedFence: holder.fence },
    });
    expect(metrics.count('LockLostBeforeRelease')).toBe(1);
    expect(await readLockItem()).toMatchObject({ releasedBy: holder.owner, releasedFence: holder.fence });
  });
});

describe('DynamoDB out of reach', () => {
  it('fails the acquire with the SDK’s error instead of reporting the lock held', async () => {
    const { clock, metrics } = await setup();
    const offline = await offlineLock(clock, metrics);

    const acquire = offline.lock.acquire(JOB, { requestId: 'run-b', remainingTimeMs: 60_000 });

    await expect(acquire).rejects.toThrow(/ECONNREFUSED/);
    offline.close();
    expect(metrics.count('RunSkippedLockHeld')).toBe(0);
  });

  it('fails the renew with the SDK’s error instead of reporting the lock lost', async () => {
    const { clock, metrics, holder } = await setup();
    const offline = await offlineLock(clock, metrics);

    const renew = offline.lock.renew(holder, 60_000);

    await expect(renew).rejects.toThrow(/ECONNREFUSED/);
    offline.close();
  });
});
