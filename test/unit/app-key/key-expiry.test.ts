import { describe, expect, it } from 'vitest';
import { assertKeyNotExpired, daysToExpiry, ExpiredKeyError } from '../../../functions/app-key/key-expiry.js';

const NOW_MS = Date.parse('2025-03-01T00:00:00Z');
const DAY_MS = 86_400_000;
const SOURCE = 'secretsmanager:prod/app-key';

describe('key expiry', () => {
  it('counts the (negative) days left, so a key past its expiry still reports how far past', () => {
    const key = { appKey: 'k', versionId: 'v1', expiresAt: new Date(NOW_MS - DAY_MS) };
    expect(daysToExpiry(key, NOW_MS)).toBe(-1);
    expect(daysToExpiry({ ...key, expiresAt: new Date(NOW_MS + 2.5 * DAY_MS) }, NOW_MS)).toBe(2.5);
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

  it('passes a key without expiry, whose days left are undefined', () => {
    const key = { appKey: 'k', versionId: 'v1' };
    expect(() => assertKeyNotExpired(key, SOURCE, NOW_MS)).not.toThrow();
    expect(daysToExpiry(key, NOW_MS)).toBeUndefined();
  });
});
