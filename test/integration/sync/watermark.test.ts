// WatermarkStore.commit against DynamoDB Local, called directly: each of the commit's two guards (the
// lock's fence and no-moving-back) is proven on its own, without sync-job's client-side skip in between.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { lockFenceConditionCheck } from '../../../functions/lock/fence.js';
import type { Lease } from '../../../functions/lock/lease.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import {
  compareWatermarks,
  LeaseLostError,
  type Watermark,
  WatermarkStore,
} from '../../../functions/sync/watermark.js';
import { freshTables } from '../../support/dynamodb.js';
import { ambiguousFailureInjector, leaseOf, recordingLeaseLock } from '../lock/support.js';
import { failBeforeSending } from './sdk-faults.js';

const JOB = 'orders';
const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const STORED: Watermark = { timestampMs: Date.UTC(2025, 0, 1, 3, 0, 0), key: 'm' };

/** A table whose watermark stands at STORED, committed by the current holder of the job's lease. */
async function setup() {
  const db = await freshTables('watermark');
  const clock = new ManualClock(T0_MS);
  const lock = recordingLeaseLock(db, clock);
  const store = new WatermarkStore(db.documentClient, db.tables.controlTable);
  const fenceOf = (lease: Lease) => lockFenceConditionCheck(lease, db.tables.controlTable);
  const writerOf = (lease: Lease, runId: string) => ({
    runId,
    fence: lease.fence,
    committedAtMs: clock.nowMs(),
  });
  const readItem = async () =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.watermark(JOB) }),
      )
    ).Item;

  const stale = leaseOf(await lock.acquire(JOB, { requestId: 'run-a', remainingTimeMs: 60_000 }));
  clock.set(stale.leaseUntilMs + 1);
  const current = leaseOf(await lock.acquire(JOB, { requestId: 'run-b', remainingTimeMs: 60_000 }));
  await store.commit(JOB, STORED, fenceOf(current), writerOf(current, 'run-b'));
  return { db, clock, store, stale, current, fenceOf, writerOf, readItem };
}

describe('WatermarkStore.commit', () => {
  it('stores the first position with the writer’s run id, fence and commit time', async () => {
    const { store, readItem, current, clock } = await setup();

    expect(await store.read(JOB)).toEqual(STORED);
    expect(await readItem()).toMatchObject({
      timestampMs: STORED.timestampMs,
      key: STORED.key,
      runId: 'run-b',
      fence: current.fence,
      committedAt: clock.nowMs(),
    });
  });

  it('moves forward to a later timestamp, and to a greater key at the same timestamp', async () => {
    const { store, current, fenceOf, writerOf } = await setup();
    const sameTimeGreaterKey = { timestampMs: STORED.timestampMs, key: 'n' };
    const later = { timestampMs: STORED.timestampMs + 1, key: 'a' };

    await store.commit(JOB, sameTimeGreaterKey, fenceOf(current), writerOf(current, 'run-b'));
    expect(await store.read(JOB)).toEqual(sameTimeGreaterKey);
    await store.commit(JOB, later, fenceOf(current), writerOf(current, 'run-b'));
    expect(await store.read(JOB)).toEqual(later);
  });

  it('refuses a stale lease committing a position ahead of the stored one, as LeaseLostError', async () => {
    const { store, stale, fenceOf, writerOf, readItem } = await setup();
    const ahead = { timestampMs: STORED.timestampMs + 60_000, key: 'z' };

    const error = await store.commit(JOB, ahead, fenceOf(stale), writerOf(stale, 'run-a')).catch((e) => e);

    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toMatchObject({ reason: 'lease-lost' });
    expect(error.message).toContain(`job ${JOB}`);
    expect(await readItem()).toMatchObject({ ...STORED, runId: 'run-b' });
  });

  it('refuses a stale lease committing a position behind the stored one, as LeaseLostError', async () => {
    const { store, stale, fenceOf, writerOf } = await setup();
    const behind = { timestampMs: STORED.timestampMs - 1, key: 'z' };

    await expect(store.commit(JOB, behind, fenceOf(stale), writerOf(stale, 'run-a'))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await store.read(JOB)).toEqual(STORED);
  });

  it('accepts a valid lease committing one millisecond behind, and changes nothing', async () => {
    const { store, current, fenceOf, writerOf, readItem } = await setup();
    const before = await readItem();

    await store.commit(
      JOB,
      { timestampMs: STORED.timestampMs - 1, key: 'z' },
      fenceOf(current),
      writerOf(current, 'run-c'),
    );

    expect(await readItem()).toEqual(before);
  });

  it('accepts the same timestamp with a smaller key, and changes nothing', async () => {
    const { store, current, fenceOf, writerOf, readItem } = await setup();
    const before = await readItem();

    await store.commit(
      JOB,
      { timestampMs: STORED.timestampMs, key: 'l' },
      fenceOf(current),
      writerOf(current, 'run-c'),
    );

    expect(await readItem()).toEqual(before);
  });

  it('succeeds when the SDK retries a commit that already landed (its answer was lost)', async () => {
    const { db, store, current, fenceOf, writerOf } = await setup();
    const injector = ambiguousFailureInjector(db.client);
    const ahead = { timestampMs: STORED.timestampMs + 1_000, key: 'b' };
    const attemptsBefore = injector.attempts;
    injector.arm();

    await store.commit(JOB, ahead, fenceOf(current), writerOf(current, 'run-b'));

    expect(injector.injected).toBe(1);
    expect(injector.attempts - attemptsBefore).toBe(2); // the landed attempt and its retry
    expect(await store.read(JOB)).toEqual(ahead);
  });

  it('rethrows a failure that is neither a lost lease nor a position already passed', async () => {
    const { db, current, writerOf } = await setup();
    const elsewhere = new WatermarkStore(db.documentClient, `${db.tables.controlTable}-missing`);

    const error = await elsewhere
      .commit(
        JOB,
        STORED,
        lockFenceConditionCheck(current, db.tables.controlTable),
        writerOf(current, 'run-b'),
      )
      .catch((e) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LeaseLostError);
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('WatermarkStore.commit on cancellations DynamoDB Local never makes', () => {
  /** The commit's transaction cancelled as `reasons` say (undefined: without reasons). */
  async function cancelledWith(reasons: { Code: string }[] | undefined) {
    const { db, store, current, fenceOf, writerOf } = await setup();
    failBeforeSending(
      db.client,
      'cancelCommit',
      (r) => (r.operation === 'TransactWriteItems' ? 'fail' : 'pass'),
      () =>
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: { httpStatusCode: 400 },
          ...(reasons ? { CancellationReasons: reasons } : {}),
        }),
    );
    const ahead = { timestampMs: STORED.timestampMs + 1, key: 'a' };
    const error = await store
      .commit(JOB, ahead, fenceOf(current), writerOf(current, 'run-b'))
      .catch((e) => e);
    return { error, watermark: await store.read(JOB) };
  }

  it('rethrows a conflict on the watermark item: the commit did not land and is not already past', async () => {
    const { error, watermark } = await cancelledWith([{ Code: 'None' }, { Code: 'TransactionConflict' }]);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error).not.toBeInstanceOf(LeaseLostError);
    expect(watermark).toEqual(STORED);
  });

  it.each([
    ['without cancellation reasons', undefined],
    ['with no reason for the watermark item', [{ Code: 'None' }]],
  ])('rethrows a cancellation %s as it came', async (_label, reasons) => {
    const { error } = await cancelledWith(reasons);

    expect(error).toBeInstanceOf(TransactionCanceledException);
  });
});

describe('WatermarkStore.read', () => {
  it('reads with a strongly consistent read, so a run never resumes from a stale position', async () => {
    const { db, store } = await setup();
    const reads: string[] = [];
    failBeforeSending(
      db.client,
      'observeReads',
      (r) => {
        if (r.operation === 'GetItem') reads.push(r.body);
        return 'pass';
      },
      () => new Error('unused'),
    );

    await store.read(JOB);

    expect(reads).toHaveLength(1);
    expect(JSON.parse(reads[0] as string)).toMatchObject({ ConsistentRead: true });
  });

  it('answers undefined for a job that never committed', async () => {
    const { store } = await setup();

    expect(await store.read('never-ran')).toBeUndefined();
  });
});

describe('compareWatermarks', () => {
  it('orders by timestamp first, then by key, and calls equal positions equal', () => {
    expect(compareWatermarks({ timestampMs: 1, key: 'z' }, { timestampMs: 2, key: 'a' })).toBeLessThan(0);
    expect(compareWatermarks({ timestampMs: 2, key: 'a' }, { timestampMs: 1, key: 'z' })).toBeGreaterThan(0);
    expect(compareWatermarks({ timestampMs: 1, key: 'a' }, { timestampMs: 1, key: 'b' })).toBe(-1);
    expect(compareWatermarks({ timestampMs: 1, key: 'b' }, { timestampMs: 1, key: 'a' })).toBe(1);
    expect(compareWatermarks({ timestampMs: 1, key: 'a' }, { timestampMs: 1, key: 'a' })).toBe(0);
  });
});
