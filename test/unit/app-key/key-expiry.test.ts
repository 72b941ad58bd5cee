import { describe, expect, it } from 'vitest';
import {
  assertKeyNotExpired,
  daysToExpiry,
  ExpiredKeyError,
  publishDaysToExpiry,
} from '../../../functions/app-key/key-expiry.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { RecordingMetrics } from '../../support/observability.js';

const NOW_MS = Date.parse('2025-03-01T00:00:00Z');
const DAY_MS = 86_400_000;
const SOURCE = 'secretsmanager:prod/app-key';

describe('key expiry', () => {
  it('publishes the days left as AppKeyDaysToExpiry', () => {
    const metrics = new RecordingMetrics();
    const key = { appKey: 'k', versionId: 'v1', expiresAt: new Date(NOW_MS + 2.5 * DAY_MS) };
    expect(publishDaysToExpiry(key, { clock: new ManualClock(NOW_MS), metrics })).toBe(2.5);
    expect(metrics.named('AppKeyDaysToExpiry')).toEqual([
      { name: 'AppKeyDaysToExpiry', unit: 'None', value: 2.5, dimensions: {} },
    ]);
  });

  it('publishes the (negative) days left when the key has expired, so the alarm sees it', () => {
    const metrics = new RecordingMetrics();
    const key = { appKey: 'k', versionId: 'v1', expiresAt: new Date(NOW_MS - DAY_MS) };
    publishDaysToExpiry(key, { clock: new ManualClock(NOW_MS), metrics });
    expect(metrics.named('AppKeyDaysToExpiry')[0]?.value).toBe(-1);
  });

  it('refuses with reason expired-key once expiresAt has passed', () => {
    const key = { appKey: 'k', versionId: 'v1', expiresAt: new Date(NOW_MS - 1) };
    const check = () => assertKeyNotExpired(key, SOURCE, NOW_MS);
    expect(check).toThrow(ExpiredKeyError);
    expect(check).toThrow(expect.objectContaining({ reason: 'expired-key' }));
  });

  it('names the source, version and expiry but not the key in the error', () => {
    const key = {
      appKey: 'secret-key-value',
      versionId: 'v9',
      keyName: 'sync',
      expiresAt: new Date(NOW_MS - 1),
    };
    let message = '';
    try {
      assertKeyNotExpired(key, SOURCE, NOW_MS);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(SOURCE);
    expect(message).toContain('v9');
    expect(message).toContain(new Date(NOW_MS - 1).toISOString());
    expect(message).not.toContain('secret-key-value');
  });

  it('publishes nothing and passes for a key without expiry', () => {
    const metrics = new RecordingMetrics();
    const key = { appKey: 'k', versionId: 'v1' };
    expect(publishDaysToExpiry(key, { clock: new ManualClock(NOW_MS), metrics })).toBeUndefined();
    expect(() => assertKeyNotExpired(key, SOURCE, NOW_MS)).not.toThrow();
    expect(metrics.recorded).toEqual([]);
    expect(daysToExpiry(key, NOW_MS)).toBeUndefined();
  });
});
