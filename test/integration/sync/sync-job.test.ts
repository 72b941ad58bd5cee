// The sync run end to end: DynamoDB Local for the lock, watermark, ledger and records; the ThingWorx
// simulator over loopback HTTP for the endpoint.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { RecordRejectedError } from '../../../functions/sync/records-store.js';
import type { SyncJobDependencies } from '../../../functions/sync/sync-job.js';
import { LeaseLostError, type Watermark, type WatermarkStore } from '../../../functions/sync/watermark.js';
import { never, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const harnesses: SyncHarness[] = [];
async function harness(label: string, options?: Parameters<typeof startSyncHarness>[1]) {
  const h = await startSyncHarness(label, options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

const storedKeys = (h: SyncHarness) => h.storedKeys();
const sourceKeys = (h: SyncHarness) => h.sourceKeys();

describe('sync run', () => {
  it('copies every source entry on the first run and commits the watermark at the newest one', async () => {
    const h = await harness('first-run');
    h.sim.stream.generate(750);

    const summary = await h.run();

    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 750, caughtUp: true });
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
    const newest = h.sim.stream.all().at(-1);
    expect((await h.watermark())?.timestampMs).toBe(newest?.timestamp);
    expect(h.metrics.values('RecordsSynced')).toEqual([750]);
    expect(h.metrics.count('RunSucceeded')).toBe(1);
  });

  it('syncs exactly the new records on the next run, late arrivals inside the overlap included', async () => {
    const h = await harness('incremental');
    h.sim.stream.generate(300);
    await h.run();
    const watermark = await h.watermark();
    const late = h.sim.stream.append([
      { timestamp: (watermark?.timestampMs ?? 0) - 60_000 },
      { timestamp: watermark?.timestampMs ?? 0 },
    ]);
    const fresh = h.sim.stream.append([{ timestamp: Date.now() - 1_000 }, { timestamp: Date.now() - 500 }]);

    const summary = await h.run();

    expect(summary.recordsWritten).toBe(late.length + fresh.length);
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
  });

  it.each([1, 2, 5])(
    'loses nothing when a run is killed after %i pages: the next run takes the lease over and fills in the rest',
    async (pagesBeforeCrash) => {
      const h = await harness(`crash-${pagesBeforeCrash}`);
      h.sim.stream.generate(900);
      const dying = observeCommits(
        h.depsWithReadHook({
          before: async (read) => {
            // Read 2 is the pager's check for rows page 1 lacks; page N is read N + 1 from then on.
            if (read > pagesBeforeCrash + 1) await never(); // the process is gone: no release, no ledger end
          },
        }),
      );
      void h.run({ deps: dying.deps, remainingTimeMs: 60_000 });
      const watermarkAtCrash = await dying.commitLanded(pagesBeforeCrash);

      h.clock.shiftMs = 60_000 + 45_000 + 1; // past the crashed run's lease
      const summary = await h.run();

      expect(summary.outcome).toBe('succeeded');
      expect(h.metrics.count('LockTakeover')).toBe(1);
      expect(summary.watermarkBefore).toEqual(watermarkAtCrash);
      const stored = await storedKeys(h);
      expect(stored).toEqual(sourceKeys(h));
      expect(stored.size).toBe(900);
    },
  );

  it('lets only one of two overlapping invocations run; the other skips and the data is as one run leaves it', async () => {
    const h = await harness('overlap');
    h.sim.stream.generate(400);
    h.sim.faults.set({ kind: 'latency', ms: 150 });

    const results = await Promise.all([h.run(), h.run()]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['skipped', 'succeeded']);
    expect(results.find((r) => r.outcome === 'skipped')?.reason).toMatch(
      /^lock held by .+ \(fence \d+\) until /,
    );
    expect(h.metrics.count('RunSkippedLockHeld')).toBe(1);
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
  });

  it('stops a run that lost its lease from moving the watermark or overwriting what the new holder wrote', async () => {
    const h = await harness('stale');
    h.sim.stream.generate(500);
    let paused!: () => void;
    const pausedAtPage2 = new Promise<void>((resolve) => {
      paused = resolve;
    });
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const slow = observeCommits(
      h.depsWithReadHook({
        after: async (read) => {
          if (read === 3) {
            // page 1, the pager's check for rows it lacks, then page 2
            paused();
            await resumed; // page 2 is in hand, then a long pause: the lease runs out meanwhile
          }
        },
      }),
    );
    const staleRun = h.run({ deps: slow.deps, remainingTimeMs: 60_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await Promise.all([pausedAtPage2, slow.commitLanded(1)]);
    h.clock.shiftMs = 60_000 + 45_000 + 1;
    const fresh = await h.run();
    const watermarkAfterFresh = await h.watermark();
    const writersBefore = await recordWriters(h);

    resume();

    expect(await staleRun).toBeInstanceOf(LeaseLostError);
    expect(fresh.outcome).toBe('succeeded');
    expect(await h.watermark()).toEqual(watermarkAfterFresh);
    expect(await recordWriters(h)).toEqual(writersBefore);
    expect(h.metrics.count('LockLostBeforeRelease')).toBe(1);
  });

  it('syncs every entry when more share one timestamp than fit in a page', async () => {
    const h = await harness('same-ts', { env: { PAGE_SIZE: '50' } });
    const at = Date.now() - 10_000;
    h.sim.stream.generate(20, { toMs: at - 1 });
    h.sim.stream.generate(230, { atMs: at });
    h.sim.stream.generate(20, { fromMs: at + 1, toMs: at + 5_000 });

    const summary = await h.run();

    expect(summary.recordsWritten).toBe(270);
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
  });

  it('fails on a row without a key field, naming row and field, and leaves the watermark where it was', async () => {
    const h = await harness('bad-row', { env: { KEY_FIELDS: 'id,status' } });
    h.sim.stream.generate(120, { toMs: Date.now() - 60_000 });
    await h.run();
    const before = await h.watermark();
    h.sim.stream.append({ timestamp: Date.now() - 1_000, status: null as unknown as string });

    const failed = h.run();

    await expect(failed).rejects.toThrow(/Row \d+ has no value in key field "status"/);
    expect(await h.watermark()).toEqual(before);
    expect(h.metrics.count('RunFailed')).toBe(1);
  });

  it('fails at once on a record DynamoDB cannot store, naming it; the watermark stops before it and nothing after it is lost', async () => {
    const h = await harness('rejected-record', { env: { REJECTED_RECORDS: 'fail' } });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(450, { fromMs: nowMs - 600_000, toMs: nowMs - 300_001 });
    // Over DynamoDB's 400 KB item limit, in the middle of the window: page 3 or so of 100 rows.
    const [tooLarge] = h.sim.stream.append({ timestamp: nowMs - 300_000, payload: 'x'.repeat(420_000) });
    h.sim.stream.generate(450, { fromMs: nowMs - 299_999, toMs: nowMs - 1_000 });
    if (!tooLarge) throw new Error('the simulator appended the entry');

    const error = await h.run().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecordRejectedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^DynamoDB rejected record "${h.keyOf(tooLarge)}" for .+: Item size has exceeded`),
    );
    const watermark = await h.watermark();
    const before = h.sim.stream.all().filter((e) => e.timestamp < tooLarge.timestamp);
    expect(watermark?.timestampMs).toBeLessThan(tooLarge.timestamp);
    // Pages before the refused one were committed (page size 100: at least the first 300 entries).
    expect(watermark?.timestampMs).toBeGreaterThanOrEqual(before[299]?.timestamp ?? Number.NaN);
    const stored = await storedKeys(h);
    const due = h.sim.stream.all().filter((e) => watermark && e.timestamp <= watermark.timestampMs);
    for (const entry of due) expect(stored.has(h.keyOf(entry))).toBe(true); // no gap up to the watermark
    expect(stored.has(h.keyOf(tooLarge))).toBe(false);
    expect(h.metrics.count('RunFailed')).toBe(1);
  });

  it('counts the runs in a row that stopped at their deadline, and the next run that catches up resets it', async () => {
    const h = await harness('behind', {
      env: { PAGE_SIZE: '50', SAFETY_MARGIN_MS: '0', MIN_REMAINING_TIME_MS: '0' },
    });
    h.sim.stream.generate(600, { toMs: h.sim.clock.nowMs() - 1_000 });
    h.sim.faults.set({ kind: 'latency', ms: 100 }); // a slow endpoint: a few pages fit in 300 ms
    const behind: boolean[] = [];
    for (let run = 0; run < 3; run++) {
      const summary = await h.run({ remainingTimeMs: 300 });
      behind.push(summary.caughtUp === false);
      // More skipped runs in between than one ledger read returns: the count must see past them.
      for (let skip = 0; skip < 25; skip++) {
        const skipped = { job: h.job, runId: `skip-${run}-${skip}`, startedAtMs: Date.now() };
        await h.deps.ledger.start(skipped);
        await h.deps.ledger.end(skipped, { outcome: 'skipped', endedAtMs: Date.now(), reason: 'lock held' });
      }
    }
    h.sim.faults.clear();

    const caughtUp = await h.run();

    expect(behind).toEqual([true, true, true]);
    expect(caughtUp).toMatchObject({ outcome: 'succeeded', caughtUp: true });
    expect(h.metrics.values('RunsBehindInARow')).toEqual([1, 2, 3, 0]);
    const lagUnits = new Set(h.metrics.named('SyncLagSeconds').map((m) => m.unit));
    expect(lagUnits).toEqual(new Set(['Seconds'])); // on every run that had a position to measure from
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
  });

  it('stops behind, not failed, when the deadline cuts short a request the endpoint was still answering', async () => {
    const h = await harness('cut-short', {
      env: { SAFETY_MARGIN_MS: '0', MIN_REMAINING_TIME_MS: '0' },
    });
    h.sim.stream.generate(20, { toMs: h.sim.clock.nowMs() - 1_000 });
    // Slower than the 1.5 s the run has left, and inside the harness's 2 s request timeout it is owed.
    h.sim.faults.set({ kind: 'latency', ms: 1_800 });

    const summary = await h.run({ remainingTimeMs: 1_500 });

    expect(summary).toMatchObject({ outcome: 'succeeded', caughtUp: false, recordsWritten: 0 });
    expect(await h.watermark()).toBeUndefined();
    h.sim.faults.clear();
    await expect(h.run()).resolves.toMatchObject({ outcome: 'succeeded', caughtUp: true }); // lock released
    expect(await storedKeys(h)).toEqual(sourceKeys(h));
  });

  it('measures the lag of a run that caught up from the window end it confirmed, not from the last entry', async () => {
    const h = await harness('quiet-lag');
    h.sim.stream.generate(50, {
      fromMs: h.sim.clock.nowMs() - 7_200_000,
      toMs: h.sim.clock.nowMs() - 3_600_000,
    });

    const summary = await h.run();

    expect(summary.caughtUp).toBe(true);
    const [lagSeconds] = h.metrics.values('SyncLagSeconds');
    expect(lagSeconds).toBeLessThan(60); // the newest entry is an hour old, but nothing newer exists
  });

  it('records each run in the ledger: outcome, counts and the watermark before and after', async () => {
    const h = await harness('ledger');
    h.sim.stream.generate(150);

    const summary = await h.run();

    const { Items = [] } = await h.db.documentClient.send(
      new QueryCommand({
        TableName: h.db.tables.controlTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': controlKeys.jobPartition(h.job), ':run': 'run#' },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items[0]).toMatchObject({
      runId: summary.runId,
      outcome: 'succeeded',
      recordsWritten: 150,
      fence: summary.fence,
      watermarkAfter: summary.watermarkAfter,
    });
    expect(Items[0]?.expireAt).toBeGreaterThan(Date.now() / 1000);
  });
});

async function recordWriters(h: SyncHarness): Promise<Map<string, string>> {
  return new Map((await h.recordItems()).map((item) => [String(item.sk), `${item.runId}@${item.fence}`]));
}

/**
 * Wraps a run's watermark commits so a test can wait until the n-th one has landed: with the next read
 * hanging, the run can make no further progress after that, so what is committed then is final.
 */
function observeCommits(deps: SyncJobDependencies) {
  const store = deps.watermarks;
  const landed: Watermark[] = [];
  const waiters: { n: number; resolve: (watermark: Watermark) => void }[] = [];
  const observed = Object.create(store) as WatermarkStore;
  observed.commit = async (...args: Parameters<WatermarkStore['commit']>) => {
    await store.commit(...args);
    landed.push(args[1]);
    // Answer once the run has gone on as far as it can (to its next read): microtasks only, so a
    // macrotask later it is parked there and the test may move the clock without it noticing.
    const reached = landed.length;
    setImmediate(() => {
      for (const waiter of waiters.filter((w) => w.n === reached)) waiter.resolve(args[1]);
    });
  };
  return {
    deps: { ...deps, watermarks: observed },
    commitLanded: (n: number) =>
      new Promise<Watermark>((resolve) => {
        const already = landed[n - 1];
        if (already) resolve(already);
        else waiters.push({ n, resolve });
      }),
  };
}
