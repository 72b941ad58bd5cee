// The reconciliation Lambda's work on DynamoDB Local and the simulator: it audits the job's previous day
// plus the overlap, repairs by default, saves a cursor when time runs out and goes on from it at the next
// invocation, and publishes RecordsMissing, RecordsStale, RecordsExtra, RecordsRepaired, AuditLagSeconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { midnightBefore } from '../../../functions/reconcile/audit-day.js';
import { AuditStateStore } from '../../../functions/reconcile/audit-state.js';
import { AUDIT_DEFAULTS } from '../../../functions/reconcile/reconcile-config.js';
import { runScheduledAudit } from '../../../functions/reconcile/scheduled-audit.js';
import { RecordingMetrics } from '../../support/observability.js';
import { ShiftableClock } from '../../support/sync-harness.js';
import { HOUR_MS, type ReconcileFixture, startReconcileFixture } from './support.js';

// The tests share one fixture and build on what the one before left: they run in order.
describe('the scheduled audit', { shuffle: false }, () => {
  const metrics = new RecordingMetrics();
  const midnight = midnightBefore(Date.now(), 'UTC');
  let fixture: ReconcileFixture;
  let state: AuditStateStore;

  beforeAll(async () => {
    fixture = await startReconcileFixture('scheduled-audit', 400, {
      entriesSpan: { fromMs: midnight - 20 * HOUR_MS, toMs: midnight - HOUR_MS },
      window: { fromMs: midnight - 24 * HOUR_MS, toMs: midnight },
      metrics,
    });
    state = new AuditStateStore(fixture.stack.db.documentClient, fixture.stack.config.tables.controlTable);
    await fixture.deleteRecords((await fixture.storedItems()).slice(0, 4).map((item) => String(item.sk)));
    fixture.changeSourceEntries(2);
  });
  afterAll(() => fixture?.stack.close());

  const deps = (clock?: ShiftableClock) => ({
    reconcile: fixture.deps(clock),
    state,
    settings: AUDIT_DEFAULTS,
    overlapMs: fixture.stack.config.overlapMs,
  });
  const sum = (name: string) => metrics.values(name).reduce((a, b) => a + b, 0);

  it('stops at the deadline with a cursor, goes on from it, and publishes each difference once', async () => {
    const clock = new ShiftableClock();
    const cut = deps(clock);
    const pages = cut.reconcile;
    let progressed = 0;
    const first = await runScheduledAudit(
      {
        ...cut,
        reconcile: {
          ...pages,
          // Time runs out after the first page.
          openSource: async (deadlineMs) => {
            const read = await pages.openSource(deadlineMs);
            return async (query) => {
              if (++progressed === 2) clock.shiftMs = 3_600_000;
              return read(query);
            };
          },
        },
      },
      fixture.invocation(),
    );
    expect(first).toMatchObject({ outcome: 'audited', complete: false });
    const saved = await state.read(fixture.job);
    expect(saved.inProgress).toMatchObject({ fromMs: midnight - 24 * HOUR_MS - 300_000, toMs: midnight });
    expect(metrics.count('AuditLagSeconds')).toBe(0); // no window completed yet

    const second = await runScheduledAudit(deps(), fixture.invocation());

    expect(second).toMatchObject({ outcome: 'audited', complete: true });
    // The whole window's counts, both invocations' (what the job-health check's audit rules read), and the
    // time of the first save kept.
    expect(await state.read(fixture.job)).toEqual({
      lastCompletedWindowEndMs: midnight,
      lastCompleted: { atMs: expect.any(Number), leftAfterRepair: 0, repaired: 6 },
      firstSavedAtMs: (saved as { firstSavedAtMs: number }).firstSavedAtMs,
    });
    expect(sum('RecordsMissing')).toBe(4);
    expect(sum('RecordsStale')).toBe(2);
    expect(sum('RecordsRepaired')).toBe(6);
    expect(sum('RecordsExtra')).toBe(0);
    const [lag] = metrics.values('AuditLagSeconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(86_400);
    const repairs = (await fixture.ledgerItems()).filter((item) => item.kind === 'repair');
    expect(repairs.map((item) => item.caughtUp).sort()).toEqual([false, true]);
  });

  it('does nothing but report its lag once the latest window is audited', async () => {
    const result = await runScheduledAudit(deps(), fixture.invocation());

    expect(result.outcome).toBe('up-to-date');
    expect(metrics.count('AuditLagSeconds')).toBe(2);
    expect(sum('RecordsRepaired')).toBe(6);
  });
});
