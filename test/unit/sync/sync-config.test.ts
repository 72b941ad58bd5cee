import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/shared/errors.js';
import { loadSyncConfig } from '../../../functions/sync/sync-config.js';

const minimal = {
  SYNC_JOB_NAME: 'orders',
  CONTROL_TABLE_NAME: 'control',
  RECORDS_TABLE_NAME: 'records',
  ENDPOINT_BASE_URL: 'https://tw.example.com',
  ENDPOINT_THING: 'SensorStream',
  APP_KEY_SECRET_ID: 'syncwarden/orders/app-key',
};

describe('sync configuration', () => {
  it('fills the documented defaults around the required values', () => {
    const config = loadSyncConfig(minimal);

    expect(config).toMatchObject({
      job: 'orders',
      appKey: { secretId: 'syncwarden/orders/app-key' },
      pageSize: 500,
      timestampField: 'timestamp',
      keyFields: ['timestamp', 'source'],
      overlapMs: 300_000,
      minRemainingTimeMs: 30_000,
      safetyMarginMs: 20_000,
      leaseMarginMs: 45_000,
      ledgerRetentionDays: 90,
      endpoint: { service: 'QueryStreamEntriesWithData', keyHeader: 'appKey' },
    });
  });

  it('is frozen, so nothing changes it after cold start', () => {
    const config = loadSyncConfig(minimal);

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.endpoint)).toBe(true);
  });

  it.each([
    [
      { SYNC_JOB_NAME: undefined },
      'SYNC_JOB_NAME: expected a non-empty value (environment variable is not set)',
    ],
    [
      { SYNC_JOB_NAME: 'has space' },
      'SYNC_JOB_NAME: expected letters, digits, ".", "_" or "-", at most 64, got "has space"',
    ],
    [{ PAGE_SIZE: '0' }, 'PAGE_SIZE: expected an integer from 1 to 10000, got "0"'],
    [{ PAGE_SIZE: 'lots' }, 'PAGE_SIZE: expected an integer from 1 to 10000, got "lots"'],
    [
      { ENDPOINT_BASE_URL: 'tw.example.com' },
      'ENDPOINT_BASE_URL: expected an absolute URL such as https://thingworx.example.com, got "tw.example.com"',
    ],
    [
      { APP_KEY_FILE: '/tmp/key.json' },
      'APP_KEY_SECRET_ID / APP_KEY_FILE: expected exactly one of the two to be set',
    ],
    [
      { KEY_FIELDS: 'id,,site' },
      'KEY_FIELDS: expected a comma-separated list of non-empty names, got "id,,site"',
    ],
    [{ INITIAL_START: 'last tuesday' }, 'INITIAL_START: expected an ISO-8601 date, got "last tuesday"'],
  ])('names the variable and what was expected when it is wrong (%o)', (override, message) => {
    expect(() => loadSyncConfig({ ...minimal, ...override })).toThrow(InvalidInputError);
    expect(() => loadSyncConfig({ ...minimal, ...override })).toThrow(message);
  });
});
