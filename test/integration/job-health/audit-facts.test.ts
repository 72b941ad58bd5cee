// The scheduled audit's state as the job-health check reads it, against DynamoDB Local: what
// functions/reconcile/audit-state.ts saves is what functions/job-health/job-facts.ts gives the rules.
import { beforeAll, describe, expect, it } from 'vitest';
import { readJobFacts } from '../../../functions/job-health/job-facts.js';
import { jobHealth } from '../../../functions/job-health/problems.js';
import { AuditStateStore } from '../../../functions/reconcile/audit-state.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');
const RULES = {
  name: 'orders',
  intervalMinutes: 240,
  overlapMs: 300_000,
  timeoutSeconds: 300,
  keyExpiryAlarmDays: 7,
  initialStartMs: 0,
  auditEnabled: true,
};

describe('audit facts in the control table', () => {
  let db: LocalDynamoDb;
  let store: AuditStateStore;

  beforeAll(async () => {
    db = await freshTables('job-health-audit-facts');
    store = new AuditStateStore(db.documentClient, db.tables.controlTable);
  });

  it('reads no audit fact for a job whose audit never saved its state', async () => {
    const facts = await readJobFacts(db.documentClient, db.tables.controlTable, 'never-audited');
    expect(facts.audit).toBeUndefined();
  });

  it("reads the last completed window's counts after repair, as the audit saved them", async () => {
    await store.save(
      'orders',
      {
        lastCompletedWindowEndMs: NOW - 12 * 3_600_000,
        lastCompleted: { atMs: NOW - 3 * DAY, leftAfterRepair: 4, repaired: 9 },
        firstSavedAtMs: NOW - 10 * DAY,
      },
      NOW - 3 * DAY,
    );

    const facts = await readJobFacts(db.documentClient, db.tables.controlTable, 'orders');

    expect(facts.audit).toEqual({
      lastCompletedAtMs: NOW - 3 * DAY,
      leftAfterRepair: 4,
      repaired: 9,
      firstSavedAtMs: NOW - 10 * DAY,
    });
    expect(jobHealth(RULES, facts, NOW).problems).toEqual(
      expect.arrayContaining(['audit-missing', 'audit-overdue', 'audit-repaired']),
    );
  });

  it('keeps the first save time across saves, so a never-completed audit becomes overdue', async () => {
    await store.save('stuck', { inProgress: { fromMs: 0, toMs: DAY, cursor: 'c1' } }, NOW - 3 * DAY);
    const first = await store.read('stuck');
    await store.save('stuck', { ...first, inProgress: { fromMs: 0, toMs: DAY, cursor: 'c2' } }, NOW);

    const facts = await readJobFacts(db.documentClient, db.tables.controlTable, 'stuck');

    expect(facts.audit?.firstSavedAtMs).toBe(NOW - 3 * DAY);
    expect(jobHealth(RULES, facts, NOW).problems).toContain('audit-overdue');
  });
});
