import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AcquireResult, Lease } from '../../../functions/lock/lease.js';
import { createLeaseLock, type LeaseLockOptions } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { findFreeLoopbackPort, localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import { freshTables } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { ambiguousFailureInjector } from './support.js';

const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const JOB = 'orders';
const REMAINING_MS = 60_000;
const MARGIN_MS = 45_000;

async function setup(overrides: Partial<LeaseLockOptions> = {}) {
  const db = await freshTables('lock');
  const clock = new ManualClock(T0_MS);
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  const lock = createLeaseLock({
    documentClient: db.documentClient,
    tableName: db.tables.controlTable,
    clock,
    metrics,
    logger,
    leaseMarginMs: MARGIN_MS,
    minRemainingTimeMs: 10_000,
    ...overrides,
  });
  const readLockItem = async () =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.lock(JOB) }),
      )
    ).Item;
  const acquire = (requestId: string) => lock.acquire(JOB, { requestId, remainingTimeMs: REMAINING_MS });
  return { db, clock, metrics, logger, lock, readLockItem, acquire };
}

function leaseOf(result: AcquireResult): Lease {
  if (result.status !== 'acquired') throw new Error(`expected the lock to be acquired, got ${result.status}`);
  return result.lease;
}

describe('acquire', () => {
  it('takes a free lock with the acquisition time as fence and a lease of the remaining time plus the margin', async () => {
    const { acquire } = await setup();

    const result = await acquire('run-a');

    expect(result).toMatchObject({
      status: 'acquired',
      takeover: false,
      lease: { job: JOB, fence: T0_MS, leaseUntilMs: T0_MS + REMAINING_MS + MARGIN_MS, acquiredAtMs: T0_MS },
    });
    expect(leaseOf(result).owner).toMatch(/^run-a#[0-9a-f]{12}$/);
  });

  it('skips when another run holds a live lease, answering with the holder, its fence and its lease end', async () => {
    const { acquire, clock, metrics } = await setup();
    const holder = leaseOf(await acquire('run-a'));
    clock.advance(1_000);

    const result = await acquire('run-b');

    expect(result).toEqual({
      status: 'held',
      holder: { owner: holder.owner, fence: holder.fence, leaseUntilMs: holder.leaseUntilMs },
    });
    expect(metrics.count('RunSkippedLockHeld')).toBe(1);
  });

  it('logs the holder (owner, fence, leaseUntil) when a run is skipped', async () => {
    const { acquire, logger } = await setup();
    const holder = leaseOf(await acquire('run-a'));

    await acquire('run-b');

    const skip = logger.recorded.find((entry) => entry.message.startsWith('Run skipped'));
    expect(skip?.attributes).toMatchObject({
      job: JOB,
      holder: { owner: holder.owner, fence: holder.fence, leaseUntil: holder.leaseUntilMs },
    });
  });

  it('keeps a crashed holder’s lock until the instant leaseUntil is reached', async () => {
    const { acquire, clock } = await setup();
    const crashed = leaseOf(await acquire('run-a'));

    clock.set(crashed.leaseUntilMs);
    const result = await acquire('run-b');

    expect(result.status).toBe('held');
  });

  it('takes over a lease that was never released once leaseUntil has passed, with a higher fence', async () => {
    const { acquire, clock } = await setup();
    const crashed = leaseOf(await acquire('run-a'));

    clock.set(crashed.leaseUntilMs + 1);
    const result = await acquire('run-b');

    expect(result).toMatchObject({
      status: 'acquired',
      takeover: true,
      lease: { fence: crashed.leaseUntilMs + 1 },
    });
    expect(leaseOf(result).fence).toBeGreaterThan(crashed.fence);
  });

  it('counts a takeover in the LockTakeover metric', async () => {
    const { acquire, clock, metrics } = await setup();
    const crashed = leaseOf(await acquire('run-a'));

    clock.set(crashed.leaseUntilMs + 1);
    await acquire('run-b');

    expect(metrics.count('LockTakeover')).toBe(1);
    expect(metrics.count('LockAcquired')).toBe(2);
  });

  it('does not count a takeover when the previous holder released the lock', async () => {
    const { acquire, lock, metrics } = await setup();
    await lock.release(leaseOf(await acquire('run-a')));

    const result = await acquire('run-b');

    expect(result).toMatchObject({ status: 'acquired', takeover: false });
    expect(metrics.count('LockTakeover')).toBe(0);
  });

  it('grows the fence with every acquire and never deletes the lock item', async () => {
    const { acquire, lock, clock, readLockItem } = await setup();
    const fences: number[] = [];
    for (const run of ['run-a', 'run-b', 'run-c']) {
      const lease = leaseOf(await acquire(run));
      fences.push(lease.fence);
      clock.advance(5_000);
      await lock.release(lease);
    }

    expect(fences).toEqual([T0_MS, T0_MS + 5_000, T0_MS + 10_000]);
    expect(await readLockItem()).toMatchObject({ fence: T0_MS + 10_000, leaseUntil: 0 });
    expect(await readLockItem()).not.toHaveProperty('owner');
  });

  it('recognises its own acquire when the SDK retries a request that had already landed', async () => {
    const { acquire, db } = await setup();
    const injector = ambiguousFailureInjector(db.client);

    injector.arm();
    const result = await acquire('run-a');

    expect(injector.injected).toBe(1);
    expect(result).toMatchObject({ status: 'acquired', lease: { fence: T0_MS } });
  });
});

describe('release', () => {
  it('frees the lock so the next run acquires it at once', async () => {
    const { acquire, lock } = await setup();
    const lease = leaseOf(await acquire('run-a'));

    const released = await lock.release(lease);
    const next = await acquire('run-b');

    expect(released.status).toBe('released');
    // In the same millisecond: one above the previous fence.
    expect(next).toMatchObject({ status: 'acquired', lease: { fence: lease.fence + 1 } });
  });

  it('publishes how long the lock was held as LockHeldMs', async () => {
    const { acquire, lock, clock, metrics } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    clock.advance(12_345);

    await lock.release(lease);

    expect(metrics.values('LockHeldMs')).toEqual([12_345]);
  });

  it('reports lost when a different owner releases, leaving the holder’s lease in place', async () => {
    const { acquire, lock, readLockItem } = await setup();
    const holder = leaseOf(await acquire('run-a'));

    const result = await lock.release({ ...holder, owner: 'impostor#000000000000' });

    expect(result.status).toBe('lost');
    expect(await readLockItem()).toMatchObject({ owner: holder.owner, leaseUntil: holder.leaseUntilMs });
  });

  it('reports lost with an old fence after a takeover, without throwing, and counts LockLostBeforeRelease', async () => {
    const { acquire, lock, clock, metrics } = await setup();
    const stale = leaseOf(await acquire('run-a'));
    clock.set(stale.leaseUntilMs + 1);
    const current = leaseOf(await acquire('run-b'));

    const result = await lock.release(stale);

    expect(result).toMatchObject({ status: 'lost', current: { owner: current.owner, fence: current.fence } });
    expect(metrics.count('LockLostBeforeRelease')).toBe(1);
  });

  it('treats a second release of the same lease as done', async () => {
    const { acquire, lock, metrics } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    await lock.release(lease);

    const again = await lock.release(lease);

    expect(again.status).toBe('already-released');
    expect(metrics.count('LockLostBeforeRelease')).toBe(0);
  });

  it('treats a release the SDK retried after the first attempt landed as done', async () => {
    const { acquire, lock, db, metrics } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    const injector = ambiguousFailureInjector(db.client);

    injector.arm();
    const result = await lock.release(lease);

    expect(injector.injected).toBe(1);
    expect(injector.attempts).toBe(2);
    expect(result.status).toBe('already-released');
    expect(metrics.count('LockLostBeforeRelease')).toBe(0);
  });

  it('still recognises its landed release after the next run has taken the lock', async () => {
    const { acquire, lock } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    await lock.release(lease);
    await acquire('run-b');

    const retried = await lock.release(lease);

    expect(retried.status).toBe('already-released');
  });

  it('returns unconfirmed instead of throwing when DynamoDB cannot be reached', async () => {
    const { acquire, clock, metrics, logger } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    const unreachable = new DynamoDBClient({
      ...localDynamoDbClientConfig(`http://127.0.0.1:${await findFreeLoopbackPort()}`),
      maxAttempts: 1,
    });
    const offline = createLeaseLock({
      documentClient: DynamoDBDocumentClient.from(unreachable),
      tableName: 'unreachable-control',
      clock,
      metrics,
      logger,
    });

    const result = await offline.release(lease);
    unreachable.destroy();

    expect(result.status).toBe('unconfirmed');
    expect(logger.recorded.at(-1)?.level).toBe('error');
  });
});

describe('renew', () => {
  it('extends the lease so a run arriving after the original end is still refused', async () => {
    const { acquire, lock, clock } = await setup();
    const lease = leaseOf(await acquire('run-a'));

    const renewed = await lock.renew(lease, 60_000);
    clock.set(lease.leaseUntilMs + 1);
    const other = await acquire('run-b');

    expect(renewed).toMatchObject({
      status: 'renewed',
      lease: { leaseUntilMs: lease.leaseUntilMs + 60_000 },
    });
    expect(other.status).toBe('held');
  });

  it('reports lost after another run has taken the lock over', async () => {
    const { acquire, lock, clock } = await setup();
    const stale = leaseOf(await acquire('run-a'));
    clock.set(stale.leaseUntilMs + 1);
    const current = leaseOf(await acquire('run-b'));

    const result = await lock.renew(stale, 60_000);

    expect(result).toMatchObject({ status: 'lost', current: { owner: current.owner, fence: current.fence } });
  });

  it('treats a renew the SDK retried after the first attempt landed as done', async () => {
    const { acquire, lock, db } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    const injector = ambiguousFailureInjector(db.client);

    injector.arm();
    const result = await lock.renew(lease, 60_000);

    expect(injector.injected).toBe(1);
    expect(result).toMatchObject({ status: 'renewed', lease: { leaseUntilMs: lease.leaseUntilMs + 60_000 } });
  });

  it('never shortens a lease that an earlier renew already extended further', async () => {
    const { acquire, lock, readLockItem } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    await lock.renew(lease, 60_000);

    const result = await lock.renew(lease, 1_000);

    expect(result).toMatchObject({ status: 'renewed', lease: { leaseUntilMs: lease.leaseUntilMs + 60_000 } });
    expect(await readLockItem()).toMatchObject({ leaseUntil: lease.leaseUntilMs + 60_000 });
  });
});
