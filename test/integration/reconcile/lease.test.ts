// A repair never runs at the same time as a sync of its job (they share the job's lease), and one that
// lost its lease to a newer holder cannot overwrite what that holder wrote (the record-level fence).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { createSyncDependencies } from '../../../functions/sync/dependencies.js';
import { contentHash } from '../../../functions/sync/record-content.js';
import { runSync } from '../../../functions/sync/sync-job.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { ShiftableClock, withReadHooks } from '../../support/sync-harness.js';
import { type ReconcileFixture, startReconcileFixture } from './support.js';

/** A gate a stalled request waits at, and a signal that it has got there. */
function gate() {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const arrived = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const wait = () => {
    reached();
    return opened;
  };
  return { open, arrived, wait };
}

// The tests share one fixture and build on what the one before left: they run in order.
describe('a repair and a sync of one job', { shuffle: false }, () => {
  let fixture: ReconcileFixture;
  let deleted: string[];

  beforeAll(async () => {
    fixture = await startReconcileFixture('audit-lease', 300);
    deleted = (await fixture.storedItems()).slice(10, 13).map((item) => String(item.sk));
    await fixture.deleteRecords(deleted);
  });
  afterAll(() => fixture?.stack.close());

  const syncDeps = (clock?: ShiftableClock) =>
    createSyncDependencies(fixture.stack.config, {
      documentClient: fixture.stack.db.documentClient,
      metrics: new RecordingMetrics(),
      logger: new RecordingLogger(),
      ...(clock ? { clock } : {}),
    });
  const invocation = () => ({ runId: randomUUID(), requestId: randomUUID(), remainingTimeMs: () => 120_000 });
  const repair = (deps = fixture.deps()) =>
    repairWindow(deps, fixture.invocation(), { fromMs: fixture.fromMs, toMs: fixture.toMs });

  it('skips the repair, writing nothing, while a sync holds the lease', async () => {
    const stalled = gate();
    const sync = runSync(
      withReadHooks(syncDeps(), { before: (n) => (n === 1 ? stalled.wait() : undefined) }),
      invocation(),
    );
    await stalled.arrived;

    const outcome = await repair();
    stalled.open();
    await sync;

    expect(outcome.outcome).toBe('skipped');
    const keys = new Set((await fixture.storedItems()).map((item) => String(item.sk)));
    for (const key of deleted) expect(keys.has(key)).toBe(false);
    const skipped = (await fixture.ledgerItems()).find((item) => item.runId === outcome.runId);
    expect(skipped).toMatchObject({ kind: 'repair', outcome: 'skipped' });
    expect(String(skipped?.reason)).toMatch(/^lock held by .* \(fence \d+\) until .*; nothing written$/);
  });

  it('skips a sync that starts while the repair holds the lease, and the repair still repairs', async () => {
    const stalled = gate();
    const deps = fixture.deps();
    let reads = 0;
    const repairing = repair({
      ...deps,
      openSource: async (deadlineMs) => {
        const read = await deps.openSource(deadlineMs);
        return async (query) => {
          if (++reads === 1) await stalled.wait();
          return read(query);
        };
      },
    });
    await stalled.arrived;

    const sync = await runSync(syncDeps(), invocation());
    stalled.open();
    const outcome = await repairing;

    expect(sync.outcome).toBe('skipped');
    expect(outcome.outcome === 'succeeded' && outcome.result.totals).toMatchObject({
      missing: 3,
      repaired: 3,
    });
    const runs = (await fixture.ledgerItems()).filter((item) => item.outcome !== 'skipped');
    // No two runs that held the lease overlap in time.
    const spans = runs
      .map((item) => [Date.parse(String(item.startedAt)), Date.parse(String(item.endedAt))] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0);
  });

  it('never overwrites a record written under a newer fence after the repair lost its lease', async () => {
    const entries = fixture.stack.sim.stream.all();
    const target = entries[Math.floor(entries.length / 3)];
    if (!target) throw new Error('no entry');
    const key = `${target.timestamp}#${target.source}`;
    fixture.stack.sim.stream.append({
      timestamp: target.timestamp,
      source: target.source,
      status: 'changed',
    });
    const newerContent = { timestamp: target.timestamp, source: target.source, status: 'newer holder' };
    const deps = fixture.deps();
    let newerFence = 0;
    const outcome = await repair({
      ...deps,
      openSource: async (deadlineMs) => {
        const read = await deps.openSource(deadlineMs);
        return async (query) => {
          const rows = await read(query);
          if (newerFence === 0 && rows.some((row) => row.key === key)) {
            // The repair's lease runs out meanwhile; a sync takes the lock over and stores the entry.
            const later = new ShiftableClock();
            later.shiftMs = 600_000;
            const sync = syncDeps(later);
            const taken = await sync.lock.acquire(fixture.job, {
              requestId: 'newer',
              remainingTimeMs: 60_000,
            });
            if (taken.status !== 'acquired') throw new Error('the newer run could not take the lock');
            newerFence = taken.lease.fence;
            await sync.records.write(
              [{ key, sourceTimestampMs: target.timestamp, data: newerContent }],
              { job: fixture.job, runId: 'newer', fence: newerFence },
              { readAtMs: later.nowMs(), syncedAtMs: later.nowMs() },
              { storedThroughMs: Number.MAX_SAFE_INTEGER },
            );
            await sync.lock.release(taken.lease);
          }
          return rows;
        };
      },
    });

    expect(newerFence).toBeGreaterThan(0);
    expect(outcome.outcome).toBe('succeeded');
    if (outcome.outcome !== 'succeeded') return;
    expect(outcome.fence).toBeLessThan(newerFence);
    expect(outcome.result.totals.samples.stale).toContain(key);
    expect(outcome.result.totals.repaired).toBe(0);
    const stored = (await fixture.storedItems()).find((item) => item.sk === key);
    expect(stored).toMatchObject({
      fence: newerFence,
      contentHash: contentHash(newerContent),
      runId: 'newer',
    });
  });
});
