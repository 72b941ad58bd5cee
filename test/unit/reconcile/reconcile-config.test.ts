import { describe, expect, it } from 'vitest';
import { loadReconcileConfig } from '../../../functions/reconcile/reconcile-config.js';
import { MINIMAL_SYNC_ENV } from '../sync/minimal-sync-env.js';

describe('the reconciliation configuration', () => {
  it('repairs, does not prune, and audits one UTC day by default', () => {
    const config = loadReconcileConfig(MINIMAL_SYNC_ENV);

    expect(config.audit).toEqual({ repair: true, prune: false, timeZone: 'UTC', windowDays: 1 });
    expect(config.sync.job).toBe(MINIMAL_SYNC_ENV.SYNC_JOB_NAME);
  });

  it('names the variable of a time zone it does not know', () => {
    expect(() => loadReconcileConfig({ ...MINIMAL_SYNC_ENV, AUDIT_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      /AUDIT_TIME_ZONE: expected an IANA time zone .*, got "Mars\/Olympus"/,
    );
  });

  it('refuses a switch that is not true or false, and pruning without repair', () => {
    expect(() => loadReconcileConfig({ ...MINIMAL_SYNC_ENV, AUDIT_REPAIR: 'yes' })).toThrow(
      /AUDIT_REPAIR: expected true or false, got "yes"/,
    );
    expect(() =>
      loadReconcileConfig({ ...MINIMAL_SYNC_ENV, AUDIT_REPAIR: 'false', AUDIT_PRUNE: 'true' }),
    ).toThrow(/AUDIT_PRUNE: expected false when AUDIT_REPAIR is false/);
  });
});
