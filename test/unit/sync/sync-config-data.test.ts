import { describe, expect, it } from 'vitest';
import { loadSyncConfig } from '../../../functions/sync/sync-config.js';
import { MINIMAL_SYNC_ENV } from './minimal-sync-env.js';

const minimal = MINIMAL_SYNC_ENV;

describe('sync configuration: skew freshness and rejected records', () => {
  it('ignores skew older than an hour, caps it at 15 minutes and quarantines rejected records by default', () => {
    expect(loadSyncConfig(minimal)).toMatchObject({
      skewMaxAgeMs: 3_600_000,
      skewAllowanceCapMs: 900_000,
      rejectedRecords: 'quarantine',
    });
  });

  it('reads SKEW_MAX_AGE_MS, SKEW_ALLOWANCE_CAP_MS and REJECTED_RECORDS', () => {
    const config = loadSyncConfig({
      ...minimal,
      SKEW_MAX_AGE_MS: '600000',
      SKEW_ALLOWANCE_CAP_MS: '0',
      REJECTED_RECORDS: 'fail',
    });

    expect(config).toMatchObject({ skewMaxAgeMs: 600_000, skewAllowanceCapMs: 0, rejectedRecords: 'fail' });
  });

  it('names REJECTED_RECORDS and the two policies when it is neither', () => {
    expect(() => loadSyncConfig({ ...minimal, REJECTED_RECORDS: 'skip' })).toThrow(
      'REJECTED_RECORDS: expected fail or quarantine, got "skip"',
    );
  });

  it('refuses a maximum skew age under a second, naming the variable', () => {
    expect(() => loadSyncConfig({ ...minimal, SKEW_MAX_AGE_MS: '10' })).toThrow(/SKEW_MAX_AGE_MS/);
  });
});
