// The audit finds what the sync could not see (records lost from the table, entries replaced in place
// long after they were synced, records the source no longer has), and the repair puts it right under
// the job's lease, recorded in the run ledger. Against DynamoDB Local and the simulator over loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { type ReconcileFixture, startReconcileFixture } from './support.js';

// The tests share one fixture and build on what the one before left: they run in order.
describe('audit and repair of a synced window', { shuffle: false }, () => {
  let fixture: ReconcileFixture;
  let deletedKeys: string[];
  let changedKeys: string[];

  beforeAll(async () => {
    fixture = await startReconcileFixture('audit-repair');
    ({ deletedKeys, changedKeys } = await fixture.loseAndChange(37));
  });
  afterAll(() => fixture?.stack.close());

  const audit = () => fixture.audit();

  it('reports the 10 deleted records missing and the 5 entries changed at the source stale', async () => {
    const report = await audit();

    expect(report.complete).toBe(true);
    expect(report.totals).toMatchObject({ missing: 10, stale: 5, extra: 0, repaired: 0 });
    expect(new Set(report.totals.samples.missing)).toEqual(new Set(deletedKeys));
    expect(new Set(report.totals.samples.stale)).toEqual(new Set(changedKeys));
    expect(report.totals.compared).toBe(fixture.stack.sim.stream.size());
    expect(report.totals.tableRecords).toBe(fixture.stack.sim.stream.size() - 10);
  });

  it('counts both sides per hour of source time', async () => {
    const report = await audit();
    const entries = fixture.stack.sim.stream.all();
    const sourceInHour = (hourStartMs: number) =>
      entries.filter((e) => e.timestamp >= hourStartMs && e.timestamp < hourStartMs + 3_600_000).length;

    expect(report.totals.hours.length).toBeGreaterThanOrEqual(2);
    for (const hour of report.totals.hours) expect(hour.source).toBe(sourceInHour(hour.hourStartMs));
    const tableSum = report.totals.hours.reduce((sum, hour) => sum + hour.table, 0);
    expect(tableSum).toBe(report.totals.tableRecords);
  });

  it('repairs both under the lease, after which an audit finds nothing, and the ledger shows the repair', async () => {
    const outcome = await repairWindow(fixture.deps(), fixture.invocation(), {
      fromMs: fixture.fromMs,
      toMs: fixture.toMs,
    });

    expect(outcome.outcome).toBe('succeeded');
    if (outcome.outcome !== 'succeeded') return;
    expect(outcome.result.totals).toMatchObject({ missing: 10, stale: 5, repaired: 15 });
    expect((await audit()).totals).toMatchObject({ missing: 0, stale: 0, extra: 0 });
    const repairs = (await fixture.ledgerItems()).filter((item) => item.kind === 'repair');
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({
      outcome: 'succeeded',
      runId: outcome.runId,
      fence: outcome.fence,
      recordsWritten: 15,
      audit: { missing: 10, stale: 5, repaired: 15, complete: true },
    });
    const repaired = (await fixture.storedItems()).filter((item) => item.runId === outcome.runId);
    expect(repaired).toHaveLength(15);
    for (const item of repaired) expect(item.fence).toBe(outcome.fence);
  });
});
