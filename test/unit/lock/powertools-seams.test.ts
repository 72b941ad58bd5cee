import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { logger, metrics } from '../../../functions/shared/powertools.js';

describe('Powertools wiring', () => {
  afterEach(() => metrics.clearMetrics());

  it('accepts the shared Powertools Metrics and Logger as the lock’s sink and logger', async () => {
    logger.setLogLevel('SILENT');
    const documentClient = { send: async () => ({}) } as unknown as DynamoDBDocumentClient;
    const lock = createLeaseLock({
      documentClient,
      tableName: 'control',
      clock: new ManualClock(0),
      metrics,
      logger,
    });

    await lock.acquire('orders', { requestId: 'req', remainingTimeMs: 60_000 });

    expect(metrics.hasStoredMetrics()).toBe(true);
  });
});
