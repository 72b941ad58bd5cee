// Records the source no longer holds are reported as extra and deleted only when pruning; an audit cut
// short by its deadline returns a cursor, and the audit continued from it reports the whole window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditWindow } from '../../../functions/reconcile/audit.js';
import { repairWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { ShiftableClock } from '../../support/sync-harness.js';
import { type ReconcileFixture, startReconcileFixture } from './support.js';

// The tests share one fixture and build on what the one before left: they run in order.
describe('extra records', { shuffle: false }, () => {
  let fixture: ReconcileFixture;
  let extraKeys: string[];

  beforeAll(async () => {
    fixture = await startReconcileFixture('audit-extras', 300);
    const entries = fixture.stack.sim.stream.all();
    const middle = entries[Math.floor(entries.length / 2)]?.timestamp ?? 0;
    // Before the first entry, among the entries, and after the last one (the audit's tail).
    const times = [fixture.fromMs + 1_000, middle, fixture.toMs - 30_000];
    extraKeys = times.map((ms) => `${ms}#Gone-Sensor`);
    for (const [i, key] of extraKeys.entries()) await fixture.putExtra(key, times[i] as number);
  });
  afterAll(() => fixture?.stack.close());

  const repair = (prune: boolean) =>
    repairWindow(fixture.deps(), fixture.invocation(), { fromMs: fixture.fromMs, toMs: fixture.toMs, prune });
  const storedKeys = async () => new Set((await fixture.storedItems()).map((item) => String(item.sk)));

  it('reports records the source does not hold as extra, and a repair without prune keeps them', async () => {
    const outcome = await repair(false);

    expect(outcome.outcome).toBe('succeeded');
    if (outcome.outcome !== 'succeeded') return;
    expect(outcome.result.totals).toMatchObject({ missing: 0, stale: 0, extra: 3, pruned: 0 });
    expect(new Set(outcome.result.totals.samples.extra)).toEqual(new Set(extraKeys));
    const keys = await storedKeys();
    for (const key of extraKeys) expect(keys.has(key)).toBe(true);
  });

  it('deletes them with prune, and only them', async () => {
    const before = await storedKeys();

    const outcome = await repair(true);

    expect(outcome.outcome === 'succeeded' && outcome.result.totals).toMatchObject({ extra: 3, pruned: 3 });
    const after = await storedKeys();
    expect([...before].filter((key) => !after.has(key)).sort()).toEqual([...extraKeys].sort());
    const audit = await auditWindow(fixture.deps(), {
      job: fixture.job,
      fromMs: fixture.fromMs,
      toMs: fixture.toMs,
      deadlineMs: Date.now() + 60_000,
    });
    expect(audit.totals.extra).toBe(0);
  });
});

// The tests share one fixture and build on what the one before left: they run in order.
describe('an audit cut short by its deadline', { shuffle: false }, () => {
  let fixture: ReconcileFixture;

  beforeAll(async () => {
    fixture = await startReconcileFixture('audit-cursor', 500);
    await fixture.deleteRecords(
      (await fixture.storedItems()).filter((_, i) => i % 50 === 7).map((item) => String(item.sk)),
    );
  });
  afterAll(() => fixture?.stack.close());

  it('returns a cursor, and the audit continued from it reports what one uninterrupted audit does', async () => {
    const request = { job: fixture.job, fromMs: fixture.fromMs, toMs: fixture.toMs };
    const whole = await auditWindow(fixture.deps(), { ...request, deadlineMs: Date.now() + 60_000 });
    const clock = new ShiftableClock();
    const deps = fixture.deps(clock);

    // Time runs out after the first page: the clock jumps past the deadline.
    const first = await auditWindow(deps, {
      ...request,
      deadlineMs: Date.now() + 60_000,
      onProgress: () => {
        clock.shiftMs = 3_600_000;
      },
    });
    clock.shiftMs = 0;
    const rest = await auditWindow(deps, {
      ...request,
      cursor: first.cursor as string,
      deadlineMs: Date.now() + 60_000,
    });

    expect(first.complete).toBe(false);
    expect(first.auditedUpToMs).toBeGreaterThan(fixture.fromMs);
    expect(first.auditedUpToMs).toBeLessThan(fixture.toMs);
    expect(first.totals.compared).toBeGreaterThan(0);
    expect(first.totals.compared).toBeLessThan(whole.totals.compared);
    expect(rest.complete).toBe(true);
    expect(rest.cursor).toBeUndefined();
    const { readRequests: _r, sourceRequests: _s, ...restTotals } = rest.totals;
    const { readRequests: _wr, sourceRequests: _ws, ...wholeTotals } = whole.totals;
    expect(restTotals).toEqual(wholeTotals);
    expect(whole.totals.missing).toBe(10);
    expect(rest.thisCall.compared).toBe(whole.totals.compared - first.totals.compared);
  });

  it('refuses a cursor of another window', async () => {
    const clock = new ShiftableClock();
    const first = await auditWindow(fixture.deps(clock), {
      job: fixture.job,
      fromMs: fixture.fromMs,
      toMs: fixture.toMs,
      deadlineMs: Date.now() + 60_000,
      onProgress: () => {
        clock.shiftMs = 3_600_000;
      },
    });

    await expect(
      auditWindow(fixture.deps(), {
        job: fixture.job,
        fromMs: fixture.fromMs + 1,
        toMs: fixture.toMs,
        cursor: first.cursor as string,
        deadlineMs: Date.now() + 60_000,
      }),
    ).rejects.toThrow(/cursor belongs to job .* over \[/);
  });
});
