// Acquire against a stored fence at or ahead of this run's clock (a fence issued by a faster clock,
// carried past a restore, or issued in this same millisecond): the lock must still go to exactly the
// right run with a fence above the stored one, and a refused run must cost one request, not two
// (DynamoDB bills each conditional write, refused or not).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { freshTables } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { leaseOf, requestCounter } from './support.js';

const T0_MS = Date.UTC(2025, 0, 1, 4, 0, 0);
const AHEAD_MS = T0_MS + 10 * 60_000;
const JOB = 'orders';

async function setup() {
  const db = await freshTables('lock-ahead');
  const clock = new ManualClock(T0_MS);
  const logger = new RecordingLogger();
  const lock = createLeaseLock({
    documentClient: db.documentClient,
    tableName: db.tables.controlTable,
    clock,
    metrics: new RecordingMetrics(),
    logger,
    leaseMarginMs: 45_000,
    minRemainingTimeMs: 10_000,
  });
  const counter = requestCounter(db.client);
  const acquire = (requestId: string) => lock.acquire(JOB, { requestId, remainingTimeMs: 60_000 });
  const putLockItem = (item: Record<string, unknown>) =>
    db.documentClient.send(
      new PutCommand({ TableName: db.tables.controlTable, Item: { ...controlKeys.lock(JOB), ...item } }),
    );
  /** Requests sent by `operation` alone. */
  const requestsOf = async <T>(operation: () => Promise<T>) => {
    const before = counter.requests;
    const result = await operation();
    return { result, requests: counter.requests - before };
  };
  return { clock, logger, acquire, putLockItem, requestsOf };
}

/** A run that took the lock over a fence 10 minutes ahead of the clock, and then crashed. */
async function crashedHolderWithFenceAhead() {
  const context = await setup();
  await context.putLockItem({ fence: AHEAD_MS, leaseUntil: 0 });
  const crashed = leaseOf(await context.acquire('run-a'));
  return { ...context, crashed };
}

describe('a holder whose fence is ahead of the clock', () => {
  it('keeps its live lease, and the refused run costs one request', async () => {
    const { acquire, clock, crashed, requestsOf } = await crashedHolderWithFenceAhead();
    clock.advance(1_000);

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(crashed.fence).toBe(AHEAD_MS + 1);
    expect(result).toEqual({
      status: 'held',
      holder: { owner: crashed.owner, fence: crashed.fence, leaseUntilMs: crashed.leaseUntilMs },
    });
    expect(requests).toBe(1);
  });

  it('keeps its lease at the instant leaseUntil is reached, in one request', async () => {
    const { acquire, clock, crashed, requestsOf } = await crashedHolderWithFenceAhead();
    clock.set(crashed.leaseUntilMs);

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(result.status).toBe('held');
    expect(requests).toBe(1);
  });

  it('is taken over once its lease has passed, with a fence one above its own, in two requests', async () => {
    const { acquire, clock, crashed, requestsOf } = await crashedHolderWithFenceAhead();
    clock.set(crashed.leaseUntilMs + 1);

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(result).toMatchObject({
      status: 'acquired',
      takeover: true,
      lease: { fence: AHEAD_MS + 2 },
      previous: { owner: crashed.owner, fence: crashed.fence },
    });
    expect(requests).toBe(2);
  });
});

describe('a holder that took the lock in this same millisecond', () => {
  it('keeps it, and the refused run costs one request', async () => {
    const { acquire, requestsOf } = await setup();
    const holder = leaseOf(await acquire('run-a'));

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(holder.fence).toBe(T0_MS);
    expect(result).toMatchObject({ status: 'held', holder: { owner: holder.owner, fence: T0_MS } });
    expect(requests).toBe(1);
  });
});

describe('a lock item without a lease end (written by hand)', () => {
  it('is held, as DynamoDB’s condition reads it, with no remaining time to report', async () => {
    const { acquire, logger, putLockItem, requestsOf } = await setup();
    await putLockItem({ owner: 'by-hand', fence: AHEAD_MS });

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(result).toEqual({
      status: 'held',
      holder: { owner: 'by-hand', fence: AHEAD_MS, leaseUntilMs: undefined },
    });
    expect(requests).toBe(1);
    const skip = logger.recorded.find((entry) => entry.message.startsWith('Run skipped'));
    expect(skip?.attributes).toHaveProperty('holderLeaseRemainingMs', undefined);
  });
});

describe('a lock item whose fence is not a number (hand-edited)', () => {
  it('is reported held in one request, never retried with a fence computed from it', async () => {
    const { acquire, putLockItem, requestsOf } = await setup();
    await putLockItem({ fence: String(AHEAD_MS), leaseUntil: 0 });

    const { result, requests } = await requestsOf(() => acquire('run-b'));

    expect(result).toEqual({
      status: 'held',
      holder: { owner: undefined, fence: undefined, leaseUntilMs: 0 },
    });
    expect(requests).toBe(1);
  });
});
