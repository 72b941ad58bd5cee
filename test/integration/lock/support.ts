// Lock test helpers: a DynamoDB request that lands and then fails as if it had timed out, so the SDK
// retries it (the "ambiguous failure" of the design), a request counter, and a recording lease lock.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AcquireResult, Lease } from '../../../functions/lock/lease.js';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import type { Clock } from '../../../functions/shared/clock.js';
import type { LocalDynamoDb } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

/**
 * Adds middleware inside the SDK's retry loop. After `arm()`, the next request reaches DynamoDB
 * and its answer is replaced by a retryable timeout, so the SDK sends the same request again.
 * `attempts` counts every HTTP attempt, so a test can prove the retry really happened.
 */
export function ambiguousFailureInjector(client: DynamoDBClient) {
  let armed = false;
  const state = { attempts: 0, injected: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      state.attempts += 1;
      const result = await next(args);
      if (armed) {
        armed = false;
        state.injected += 1;
        throw Object.assign(new Error('simulated timeout after the write landed'), {
          name: 'TimeoutError',
          $metadata: {},
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'ambiguousFailureInjector' },
  );
  return {
    arm(): void {
      armed = true;
    },
    get attempts(): number {
      return state.attempts;
    },
    get injected(): number {
      return state.injected;
    },
  };
}

/** Counts the HTTP requests `client` sends (each SDK attempt once): what a lock operation costs in requests. */
export function requestCounter(client: DynamoDBClient) {
  const state = { requests: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      state.requests += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'requestCounter' },
  );
  return state;
}

/** The lease of an acquire that must have succeeded; fails the test naming what it got instead. */
export function leaseOf(result: AcquireResult): Lease {
  if (result.status !== 'acquired') throw new Error(`expected the lock to be acquired, got ${result.status}`);
  return result.lease;
}

/** A lease lock on the tables' control table, on `clock`, whose metrics and logs are recorded. */
export function recordingLeaseLock(db: LocalDynamoDb, clock: Clock) {
  return createLeaseLock({
    documentClient: db.documentClient,
    tableName: db.tables.controlTable,
    clock,
    metrics: new RecordingMetrics(),
    logger: new RecordingLogger(),
  });
}
