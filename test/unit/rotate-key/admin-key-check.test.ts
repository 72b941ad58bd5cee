// Issue 13 item 6: the daily check publishes the admin key's days to expiry from the admin secret, under the
// job's dimension, and publishes nothing (saying why) when the secret does not tell; the admin secret's
// value never appears in what it logs or publishes. Secrets Manager is the in-memory fake (no engine exists).
import { describe, expect, it } from 'vitest';
import { SecretsManagerKeySource } from '../../../functions/app-key/secrets-manager-source.js';
import {
  ADMIN_KEY_CHECK_EVENT,
  checkAdminKeyExpiry,
  isAdminKeyCheckEvent,
} from '../../../functions/rotate-key/admin-key-check.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { FakeSecretsManager } from '../../support/fake-secrets-manager.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

const DAY_MS = 86_400_000;
const NOW_MS = Date.parse('2026-12-03T12:00:00Z');
const ADMIN_KEY_VALUE = 'b6f1c2d3-admin-key-value';

function check(adminSecretValue: Record<string, unknown>) {
  const secrets = new FakeSecretsManager();
  secrets.createSecret('syncwarden/admin', JSON.stringify(adminSecretValue));
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const run = checkAdminKeyExpiry({
    adminKey: new SecretsManagerKeySource({ client: secrets.client, secretId: 'syncwarden/admin' }),
    jobName: 'orders',
    clock: new ManualClock(NOW_MS),
    logger,
    metrics,
  });
  return { run, logger, metrics, secrets };
}

describe('the daily admin-key check', () => {
  it("publishes AdminKeyDaysToExpiry for the job from the admin secret's expiresAt", async () => {
    const { run, metrics, logger } = check({
      appKey: ADMIN_KEY_VALUE,
      expiresAt: new Date(NOW_MS + 2.5 * DAY_MS).toISOString(),
    });

    expect(await run).toBe(2.5);
    expect(metrics.recorded).toEqual([
      { name: 'AdminKeyDaysToExpiry', unit: 'None', value: 2.5, dimensions: { Job: 'orders' } },
    ]);
    expect(logger.text()).not.toContain(ADMIN_KEY_VALUE);
  });

  it('publishes a negative value and logs an error for an admin key already expired', async () => {
    const { run, metrics, logger } = check({
      appKey: ADMIN_KEY_VALUE,
      expiresAt: new Date(NOW_MS - DAY_MS).toISOString(),
    });

    await run;
    expect(metrics.values('AdminKeyDaysToExpiry')).toEqual([-1]);
    expect(logger.recorded.map((line) => [line.level, line.message])).toEqual([
      ['error', 'The admin key has expired'],
    ]);
  });

  it('publishes nothing and says what to do when the admin secret has no expiresAt', async () => {
    const { run, metrics, logger } = check({ appKey: ADMIN_KEY_VALUE });

    expect(await run).toBeUndefined();
    expect(metrics.recorded).toEqual([]);
    expect(logger.recorded).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'The admin secret has no expiresAt; AdminKeyDaysToExpiry is not published',
        attributes: expect.objectContaining({ action: expect.stringContaining('"expiresAt"') }),
      }),
    ]);
    expect(logger.text()).not.toContain(ADMIN_KEY_VALUE);
  });

  it('reads only the admin secret, AWSCURRENT', async () => {
    const { run, secrets } = check({ appKey: ADMIN_KEY_VALUE });
    await run;
    expect(secrets.calls.map((call) => [call.command, call.input.SecretId])).toEqual([
      ['GetSecretValueCommand', 'syncwarden/admin'],
    ]);
  });

  it('tells its event apart from a rotation event', () => {
    expect(isAdminKeyCheckEvent({ ...ADMIN_KEY_CHECK_EVENT })).toBe(true);
    expect(isAdminKeyCheckEvent({ SecretId: 'x', ClientRequestToken: 't', Step: 'createSecret' })).toBe(
      false,
    );
    expect(isAdminKeyCheckEvent(null)).toBe(false);
  });
});
