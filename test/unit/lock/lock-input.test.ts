import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { lockFenceConditionCheck, recordFenceGuard } from '../../../functions/lock/fence.js';
import { InsufficientTimeError, type Lease } from '../../../functions/lock/lease.js';
import { createLeaseLock, type LeaseLockOptions } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { InvalidInputError } from '../../../functions/shared/errors.js';
import { RecordingLogger } from '../../support/observability.js';

/** A document client that answers every UpdateItem as if the lock had never been taken. */
function stubClient() {
  const send = vi.fn(async () => ({}));
  return { send, documentClient: { send } as unknown as DynamoDBDocumentClient };
}

function lockWith(overrides: Partial<LeaseLockOptions> = {}) {
  const { send, documentClient } = stubClient();
  const lock = createLeaseLock({
    documentClient,
    tableName: 'control',
    clock: new ManualClock(1_000_000),
    metrics: { addMetric: () => undefined },
    logger: new RecordingLogger(),
    minRemainingTimeMs: 10_000,
    ...overrides,
  });
  return { send, lock };
}

const validLease: Lease = {
  job: 'orders',
  owner: 'req#abc',
  fence: 3,
  leaseUntilMs: 2_000_000,
  acquiredAtMs: 1_000_000,
};

describe('acquire input', () => {
  it.each([
    ['an empty name', ''],
    ['whitespace', 'nightly orders'],
    ['a control character', 'orders\n'],
    ['over 200 characters', 'x'.repeat(201)],
    ['a number', 42],
  ])('rejects a job name with %s, naming the field', async (_label, job) => {
    const { lock } = lockWith();

    const acquire = lock.acquire(job as string, { requestId: 'req', remainingTimeMs: 60_000 });

    await expect(acquire).rejects.toThrow(InvalidInputError);
    await expect(acquire).rejects.toThrow(/^job: expected/);
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['not an integer', 1.5],
    ['infinite', Number.POSITIVE_INFINITY],
  ])(
    'rejects a remainingTimeMs that is %s, naming the field and what was expected',
    async (_label, value) => {
      const { lock } = lockWith();

      const acquire = lock.acquire('orders', { requestId: 'req', remainingTimeMs: value });

      await expect(acquire).rejects.toThrow(
        'remainingTimeMs: expected an integer number of milliseconds >= 0',
      );
    },
  );

  it('rejects an empty request id', async () => {
    const { lock } = lockWith();

    await expect(lock.acquire('orders', { requestId: ' ', remainingTimeMs: 60_000 })).rejects.toThrow(
      /^requestId: expected a non-empty string/,
    );
  });

  it('rejects a missing request, naming requestId', async () => {
    const { lock } = lockWith();

    const acquire = lock.acquire(
      'orders',
      undefined as unknown as { requestId: string; remainingTimeMs: number },
    );

    await expect(acquire).rejects.toThrow(InvalidInputError);
    await expect(acquire).rejects.toThrow(/^requestId: expected a non-empty string, got undefined$/);
  });

  it('rejects a request without remainingTimeMs, naming it', async () => {
    const { lock } = lockWith();

    const acquire = lock.acquire('orders', { requestId: 'req' } as {
      requestId: string;
      remainingTimeMs: number;
    });

    await expect(acquire).rejects.toThrow(/^remainingTimeMs: expected .*, got undefined$/);
  });

  it('sends nothing to DynamoDB for malformed input', async () => {
    const { lock, send } = lockWith();

    await lock.acquire('', { requestId: 'req', remainingTimeMs: 60_000 }).catch(() => undefined);

    expect(send).not.toHaveBeenCalled();
  });
});

describe('acquire with too little time', () => {
  it('refuses with reason insufficient-time when the remaining time is below the minimum', async () => {
    const { lock } = lockWith({ minRemainingTimeMs: 10_000 });

    const acquire = lock.acquire('orders', { requestId: 'req', remainingTimeMs: 9_999 });

    await expect(acquire).rejects.toBeInstanceOf(InsufficientTimeError);
    await expect(acquire).rejects.toMatchObject({ reason: 'insufficient-time', remainingTimeMs: 9_999 });
  });

  it('says how much time was left, what the minimum is and what to change', async () => {
    const { lock } = lockWith({ minRemainingTimeMs: 10_000 });

    await expect(lock.acquire('orders', { requestId: 'req', remainingTimeMs: 9_999 })).rejects.toThrow(
      'job "orders": 9999 ms of invocation time left, below the minimum of 10000 ms of useful work; ' +
        'not taking the lock (raise the function timeout or lower minRemainingTimeMs)',
    );
  });

  it('treats 0 remaining time as no time, even with a minimum of 0', async () => {
    const { lock } = lockWith({ minRemainingTimeMs: 0 });

    await expect(lock.acquire('orders', { requestId: 'req', remainingTimeMs: 0 })).rejects.toBeInstanceOf(
      InsufficientTimeError,
    );
  });

  it('sends nothing to DynamoDB when refusing', async () => {
    const { lock, send } = lockWith({ minRemainingTimeMs: 10_000 });

    await lock.acquire('orders', { requestId: 'req', remainingTimeMs: 1 }).catch(() => undefined);

    expect(send).not.toHaveBeenCalled();
  });

  it('takes the lock with exactly the minimum remaining time', async () => {
    const { lock } = lockWith({ minRemainingTimeMs: 10_000 });

    const result = await lock.acquire('orders', { requestId: 'req', remainingTimeMs: 10_000 });

    expect(result.status).toBe('acquired');
  });
});

describe('lock configuration', () => {
  it('rejects a negative lease margin, naming the option', () => {
    expect(() => lockWith({ leaseMarginMs: -1 })).toThrow(/^leaseMarginMs: expected an integer/);
  });

  it('rejects a non-integer minimum remaining time, naming the option', () => {
    expect(() => lockWith({ minRemainingTimeMs: 0.5 })).toThrow(/^minRemainingTimeMs: expected an integer/);
  });

  it('rejects an empty table name', () => {
    expect(() => lockWith({ tableName: '' })).toThrow(/^tableName: expected a non-empty string/);
  });
});

describe('renew and release input', () => {
  it.each([0, -5, Number.NaN, 2.5])('rejects renewing by %s ms, naming extendByMs', async (extendByMs) => {
    const { lock } = lockWith();

    await expect(lock.renew(validLease, extendByMs)).rejects.toThrow(/^extendByMs: expected an integer/);
  });

  it.each([0, 1.5, Number.NaN])(
    'rejects releasing a lease with fence %s, naming lease.fence',
    async (fence) => {
      const { lock } = lockWith();

      await expect(lock.release({ ...validLease, fence })).rejects.toThrow(
        /^lease\.fence: expected an integer >= 1/,
      );
    },
  );

  it('rejects renewing a malformed lease, naming the lease field', async () => {
    const { lock, send } = lockWith();

    await expect(lock.renew({ ...validLease, job: '' }, 1_000)).rejects.toThrow(/^lease\.job: expected/);
    expect(send).not.toHaveBeenCalled();
  });

  it('rejects releasing a lease without an owner, naming lease.owner', async () => {
    const { lock } = lockWith();

    await expect(lock.release({ ...validLease, owner: '' })).rejects.toThrow(/^lease\.owner: expected/);
  });
});

describe('fence helper input', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects a record guard for fence %s', (fence) => {
    expect(() => recordFenceGuard(fence)).toThrow(/^fence: expected an integer >= 1/);
  });

  it('rejects a lock check without a table name', () => {
    expect(() => lockFenceConditionCheck(validLease, '')).toThrow(/^controlTableName: expected/);
  });
});
