// What each lock outcome publishes and logs: the metric names and units the alarms and dashboards
// read, and the log lines an operator reads to tell who held the lock, with which fence, until when.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../functions/lock/lease.js';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { findFreeLoopbackPort, localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import { freshTables } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { ambiguousFailureInjector, leaseOf } from './support.js';

const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const JOB = 'orders';

async function setup() {
  const db = await freshTables('lock-reporting');
  const clock = new ManualClock(T0_MS);
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  const lock = createLeaseLock({
    documentClient: db.documentClient,
    tableName: db.tables.controlTable,
    clock,
    metrics,
    logger,
    leaseMarginMs: 45_000,
    minRemainingTimeMs: 10_000,
  });
  const acquire = (requestId: string) => lock.acquire(JOB, { requestId, remainingTimeMs: 60_000 });
  /** The one log line whose message starts with `prefix`; fails when there is none or several. */
  const logLine = (prefix: string) => {
    const lines = logger.recorded.filter((entry) => entry.message.startsWith(prefix));
    expect(lines).toHaveLength(1);
    return lines[0];
  };
  return { db, clock, metrics, logger, lock, acquire, logLine };
}

const fieldsOf = (lease: Lease) => ({
  job: lease.job,
  owner: lease.owner,
  fence: lease.fence,
  leaseUntil: lease.leaseUntilMs,
});

describe('acquire reports', () => {
  it('a free lock taken: one LockAcquired count and an info line with the lease', async () => {
    const { acquire, metrics, logger } = await setup();

    const lease = leaseOf(await acquire('run-a'));

    expect(metrics.recorded).toEqual([{ name: 'LockAcquired', unit: 'Count', value: 1, dimensions: {} }]);
    expect(logger.recorded).toEqual([
      { level: 'info', message: 'Lock acquired', attributes: fieldsOf(lease) },
    ]);
  });

  it('a takeover: LockAcquired and LockTakeover counts and a warning naming the crashed holder', async () => {
    const { acquire, clock, metrics, logLine } = await setup();
    const crashed = leaseOf(await acquire('run-a'));
    clock.set(crashed.leaseUntilMs + 1);
    metrics.recorded.length = 0;

    const lease = leaseOf(await acquire('run-b'));

    expect(metrics.recorded).toEqual([
      { name: 'LockAcquired', unit: 'Count', value: 1, dimensions: {} },
      { name: 'LockTakeover', unit: 'Count', value: 1, dimensions: {} },
    ]);
    expect(logLine('Lock taken over')).toEqual({
      level: 'warn',
      message: 'Lock taken over from a run that never released it (crashed or timed out)',
      attributes: {
        ...fieldsOf(lease),
        previousOwner: crashed.owner,
        previousFence: crashed.fence,
        previousLeaseUntil: crashed.leaseUntilMs,
      },
    });
  });

  it('a skipped run: a RunSkippedLockHeld count and how long the holder’s lease still runs', async () => {
    const { acquire, clock, metrics, logLine } = await setup();
    const holder = leaseOf(await acquire('run-a'));
    clock.advance(20_000);
    metrics.recorded.length = 0;

    await acquire('run-b');

    expect(metrics.recorded).toEqual([
      { name: 'RunSkippedLockHeld', unit: 'Count', value: 1, dimensions: {} },
    ]);
    expect(logLine('Run skipped')).toEqual({
      level: 'info',
      message: 'Run skipped: the lock is held by another run',
      attributes: {
        job: JOB,
        holder: { owner: holder.owner, fence: holder.fence, leaseUntil: holder.leaseUntilMs },
        holderLeaseRemainingMs: holder.leaseUntilMs - (T0_MS + 20_000),
      },
    });
  });

  it('a retried acquire that had landed: one LockAcquired count, no skip, and a line saying so', async () => {
    const { acquire, db, metrics, logger } = await setup();
    const injector = ambiguousFailureInjector(db.client);

    injector.arm();
    const result = await acquire('run-a');

    expect(injector.injected).toBe(1);
    expect(result).toMatchObject({ status: 'acquired', takeover: false });
    expect(metrics.recorded).toEqual([{ name: 'LockAcquired', unit: 'Count', value: 1, dimensions: {} }]);
    expect(logger.recorded).toEqual([
      {
        level: 'info',
        message: 'Lock acquired (a retried request had already landed)',
        attributes: fieldsOf(leaseOf(result)),
      },
    ]);
  });
});

describe('release reports', () => {
  it('a release: LockHeldMs in milliseconds and an info line with the lease and the time held', async () => {
    const { acquire, lock, clock, metrics, logLine } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    clock.advance(7_000);
    metrics.recorded.length = 0;

    await lock.release(lease);

    expect(metrics.recorded).toEqual([
      { name: 'LockHeldMs', unit: 'Milliseconds', value: 7_000, dimensions: {} },
    ]);
    expect(logLine('Lock released')).toEqual({
      level: 'info',
      message: 'Lock released',
      attributes: { ...fieldsOf(lease), heldMs: 7_000 },
    });
  });

  it('a release that had already landed: LockHeldMs once more and a line saying it was a retry', async () => {
    const { acquire, lock, clock, metrics, logLine } = await setup();
    const lease = leaseOf(await acquire('run-a'));
    clock.advance(3_000);
    await lock.release(lease);
    clock.advance(1_000);
    metrics.recorded.length = 0;

    const again = await lock.release(lease);

    expect(again).toEqual({ status: 'already-released', heldMs: 4_000 });
    expect(metrics.recorded).toEqual([
      { name: 'LockHeldMs', unit: 'Milliseconds', value: 4_000, dimensions: {} },
    ]);
    expect(logLine('Lock release had already landed')).toEqual({
      level: 'info',
      message: 'Lock release had already landed (retried request)',
      attributes: fieldsOf(lease),
    });
  });

  it('a release after a takeover: a LockLostBeforeRelease count and a warning naming the new holder', async () => {
    const { acquire, lock, clock, metrics, logLine } = await setup();
    const stale = leaseOf(await acquire('run-a'));
    clock.set(stale.leaseUntilMs + 1);
    const current = leaseOf(await acquire('run-b'));
    metrics.recorded.length = 0;

    await lock.release(stale);

    expect(metrics.recorded).toEqual([
      { name: 'LockLostBeforeRelease', unit: 'Count', value: 1, dimensions: {} },
    ]);
    expect(logLine('Lock lost before release')).toMatchObject({
      level: 'warn',
      message: 'Lock lost before release: the lease expired and another run took it',
      attributes: {
        ...fieldsOf(stale),
        current: { owner: current.owner, fence: current.fence, leaseUntilMs: current.leaseUntilMs },
      },
    });
  });

  it('an unreachable DynamoDB: no metric and an error line with the lease and the error', async () => {
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
    metrics.recorded.length = 0;

    const result = await offline.release(lease);
    unreachable.destroy();

    expect(result.status).toBe('unconfirmed');
    expect(metrics.recorded).toEqual([]);
    const error = result.status === 'unconfirmed' ? result.error : undefined;
    expect(error).toBeInstanceOf(Error);
    expect(logger.recorded.at(-1)).toEqual({
      level: 'error',
      message: 'Lock release not confirmed; the lock frees itself when the lease ends',
      attributes: { ...fieldsOf(lease), error },
    });
  });
});

describe('renew reports', () => {
  it('a renew after a takeover: a warning naming the new holder', async () => {
    const { acquire, lock, clock, logLine } = await setup();
    const stale = leaseOf(await acquire('run-a'));
    clock.set(stale.leaseUntilMs + 1);
    const current = leaseOf(await acquire('run-b'));

    await lock.renew(stale, 60_000);

    expect(logLine('Lock lost before renew')).toMatchObject({
      level: 'warn',
      message: 'Lock lost before renew: another run holds it now',
      attributes: {
        ...fieldsOf(stale),
        current: { owner: current.owner, fence: current.fence, leaseUntilMs: current.leaseUntilMs },
      },
    });
  });
});
