// The sync end to end (DynamoDB Local + the simulator over loopback HTTP) against every back-end profile
// and switch the simulator offers: crashes at every page, crowds larger than a page, late arrivals and
// entries replaced in place, overlapping runs and a stale lease. In every combination the table ends with
// no gap and no stale record, or the run fails with a cause that names the server's behaviour. A
// `succeeded` run whose watermark passes a missing record is the defect this suite exists to catch.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../functions/sync/sync-job.js';
import { LeaseLostError } from '../../../functions/sync/watermark.js';
import type { BackendOptions } from '../../../infra/local/thingworx-simulator/backend-profile.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const PROFILES: [string, BackendOptions][] = [
  ['postgres', { profile: 'postgres' }],
  ['dse', { profile: 'dse' }],
  ['postgres startExclusive', { profile: 'postgres', startExclusive: true }],
  ['dse startExclusive', { profile: 'dse', startExclusive: true }],
  ['postgres ignoreOldestFirst', { profile: 'postgres', ignoreOldestFirst: true }],
  ['dse maxItemsCap 40', { profile: 'dse', maxItemsCap: 40 }],
  ['postgres upsertKeepsId false', { profile: 'postgres', upsertKeepsId: false }],
  // A custom service over the default newest-first query, sorting what it got: a cut lacks the oldest.
  ['postgres cutKeepsNewest', { profile: 'postgres', cutKeepsNewest: true }],
  [
    'dse every switch',
    { profile: 'dse', startExclusive: true, ignoreOldestFirst: true, maxItemsCap: 40, upsertKeepsId: false },
  ],
];

/** The lease of a run invoked with 60 s left, plus the 45 s margin: past it, another run takes over. */
const PAST_LEASE_MS = 60_000 + 45_000 + 1;

const harnesses: SyncHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(label: string, backend: BackendOptions, env?: Record<string, string>) {
  const h = await startSyncHarness(label, { simulator: { backend }, ...(env ? { env } : {}) });
  harnesses.push(h);
  return h;
}

/** No gap, nothing stale and no twin in the table, for everything the runs could have read. */
async function expectExactCopy(h: SyncHarness) {
  const report = await h.gapReport();
  expect(report.missingKeys).toEqual([]);
  expect(report.staleKeys).toEqual([]);
  expect(report.extraKeys).toEqual([]);
  return report;
}

/** Replaces `count` entries of the last `withinMs` in place: same timestamp and source, new content. */
function replaceInPlace(h: SyncHarness, count: number, withinMs: number) {
  const since = h.sim.clock.nowMs() - withinMs;
  const recent = h.sim.stream.all().filter((e) => e.timestamp >= since);
  const picked = recent.filter((_, i) => i % Math.max(1, Math.floor(recent.length / count)) === 0);
  for (const entry of picked.slice(0, count)) {
    h.sim.stream.append({
      timestamp: entry.timestamp,
      source: entry.source,
      temperature: -40,
      status: 'REPLACED',
    });
  }
}

const label = (profile: string) => profile.replace(/\W+/g, '-');

describe.each(PROFILES)('sync against %s', (profile, backend) => {
  // The stream grows in real time (200 entries a second), so on a busy machine every run has more to copy:
  // 4 s to 16 s here, past the default 30 s for the first profile while 2 cores ran other suites. The bound is generous
  // on purpose; what is asserted is the exact copy, not the time.
  it('copies late arrivals and entries replaced in place over three runs, with the stream growing meanwhile', {
    timeout: 120_000,
  }, async () => {
    const h = await harness(`late-${label(profile)}`, backend);
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(450, { fromMs: nowMs - 600_000, toMs: nowMs - 1_000, maxEntriesPerTimestamp: 12 });
    h.sim.stream.startGrowth({
      entriesPerSecond: 200,
      lateFraction: 0.3,
      maxLatenessMs: 30_000,
      upsertFraction: 0.3,
    });

    for (let run = 1; run <= 3; run++) {
      const summary = await h.run();
      expect(summary.outcome).toBe('succeeded');
      await expectExactCopy(h);
      h.sim.stream.append([
        { timestamp: h.sim.clock.nowMs() - 20_000 },
        { timestamp: h.sim.clock.nowMs() - 5 },
      ]);
      replaceInPlace(h, 15, 60_000); // well inside the 120 s overlap
    }
    h.sim.stream.stopGrowth();
    await h.run();
    const report = await expectExactCopy(h);
    expect(report.sourceEntriesCovered).toBeGreaterThan(450);
  });

  it('loses nothing when runs are killed after every page: each takeover resumes where the last one stopped', async () => {
    const h = await harness(`crash-${label(profile)}`, backend);
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(450, { fromMs: nowMs - 600_000, toMs: nowMs - 1_000, maxEntriesPerTimestamp: 12 });

    let crashes = 0;
    for (;;) {
      const dying = h.depsThatCrashAfterCommits(1);
      const outcome = await Promise.race([
        dying.died.then(() => 'died' as const),
        h.run({ deps: dying.deps, remainingTimeMs: 60_000 }).then(() => 'completed' as const),
      ]);
      if (outcome === 'completed') break;
      crashes++;
      await expectExactCopy(h); // whatever the watermark covers is stored, with its current content
      h.clock.shiftMs += PAST_LEASE_MS;
      expect(crashes).toBeLessThan(100);
    }

    expect(crashes).toBeGreaterThanOrEqual(4); // 450 entries, 100 a page: one page per killed run
    expect(await h.storedKeys()).toEqual(h.sourceKeys());
    await expectExactCopy(h);
  });

  it('keeps a run that lost its lease from overwriting newer content the next holder stored', async () => {
    const h = await harness(`stale-${label(profile)}`, backend);
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(500, { fromMs: nowMs - 100_000, toMs: nowMs - 1_000, maxEntriesPerTimestamp: 12 });
    let paused!: () => void;
    const pausedAtRead2 = new Promise<void>((resolve) => {
      paused = resolve;
    });
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const slow = h.depsWithReadHook({
      after: async (read) => {
        if (read === 2) {
          paused();
          await resumed; // the answer is in hand, then a long pause: the lease runs out meanwhile
        }
      },
    });
    const staleRun = h.run({ deps: slow, remainingTimeMs: 60_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await pausedAtRead2;
    replaceInPlace(h, 100, 200_000); // what the paused run holds is now old content
    h.clock.shiftMs = PAST_LEASE_MS;

    const [fresh, overlapping] = await Promise.all([h.run(), h.run()]);
    const watermarkAfterFresh = await h.watermark();
    resume();

    expect([fresh.outcome, overlapping.outcome].sort()).toEqual(['skipped', 'succeeded']);
    // It fails at its next commit (the fence), or, with nothing left to commit, ends at its deadline;
    // either way it finds its lock lost and writes nothing that counts.
    const staleFailure = await staleRun;
    if (staleFailure !== undefined) expect((staleFailure as Error).name).toBe(LeaseLostError.name);
    expect(h.metrics.count('LockLostBeforeRelease')).toBe(1);
    expect(await h.watermark()).toEqual(watermarkAfterFresh);
    await expectExactCopy(h);
  });
});

describe.each(PROFILES)(
  'sync against %s, a crowd of 1,500 entries on one millisecond',
  (profile, backend) => {
    it(
      backend.maxItemsCap === undefined
        ? 'copies the whole crowd though it is 15 pages large'
        : 'fails naming the server cap, with the watermark before the crowd and nothing before it lost',
      async () => {
        const h = await harness(`crowd-${label(profile)}`, backend);
        const nowMs = h.sim.clock.nowMs();
        const crowdMs = nowMs - 30_000;
        h.sim.stream.generate(60, { fromMs: nowMs - 90_000, toMs: crowdMs - 1 });
        h.sim.stream.generate(1_500, { atMs: crowdMs });
        h.sim.stream.generate(60, { fromMs: crowdMs + 1, toMs: nowMs - 1 });

        const result = await h.run().catch((error: unknown) => error);

        if (backend.maxItemsCap === undefined) {
          expect((result as RunSummary).outcome).toBe('succeeded');
          expect(await h.storedKeys()).toEqual(h.sourceKeys());
        } else {
          expect(result).toMatchObject({ reason: 'source-group-exceeds-server-limit' });
          expect((result as Error).message).toMatch(/at most 40 entries per request/);
          expect((await h.watermark())?.timestampMs ?? 0).toBeLessThan(crowdMs);
          expect(h.metrics.count('RunFailed')).toBe(1);
        }
        await expectExactCopy(h);
      },
    );
  },
);

describe('sync against a server that stores entries with equal (timestamp, source) side by side (upsert off)', () => {
  it('fails naming the key, rather than keep one of two entries the record key cannot tell apart', async () => {
    const h = await harness('no-upsert-default-key', { upsert: false });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(200, { fromMs: nowMs - 60_000, toMs: nowMs - 10_000 });
    await h.run();
    const before = await h.watermark();
    h.sim.stream.append([
      { timestamp: nowMs - 5_000, source: 'Press-01', status: 'first' },
      { timestamp: nowMs - 5_000, source: 'Press-01', status: 'second' },
    ]);

    const failure = await h.run().catch((error: unknown) => error);

    expect(failure).toMatchObject({ reason: 'duplicate-record-key' });
    expect((failure as Error).message).toMatch(/KEY_FIELDS/);
    expect(await h.watermark()).toEqual(before);
  });

  it('copies both when the record is keyed by the entry id instead (KEY_FIELDS=id)', async () => {
    const h = await harness('no-upsert-id-key', { upsert: false }, { KEY_FIELDS: 'id' });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(200, { fromMs: nowMs - 60_000, toMs: nowMs - 10_000 });
    h.sim.stream.append([
      { timestamp: nowMs - 5_000, source: 'Press-01', status: 'first' },
      { timestamp: nowMs - 5_000, source: 'Press-01', status: 'second' },
    ]);

    expect((await h.run()).outcome).toBe('succeeded');

    await expectExactCopy(h);
    expect((await h.gapReport()).sourceEntriesCovered).toBe(202);
  });
});

describe('sync when the server changes its semantics between runs (an upgrade)', () => {
  it('still copies everything when the same server starts answering newest first with a cap', async () => {
    const h = await harness('upgrade', { profile: 'postgres' });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(300, { fromMs: nowMs - 300_000, toMs: nowMs - 100_000 });
    await h.run();
    h.sim.backend.set({ profile: 'dse', ignoreOldestFirst: true, maxItemsCap: 40 });
    h.sim.stream.generate(300, { fromMs: nowMs - 99_999, toMs: nowMs - 1_000 });

    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    expect(summary.source).toMatchObject({ order: 'newest first', maxItemsCap: 40 });
    const warned = h.logger.recorded.filter((line) => line.level === 'warn').map((line) => line.message);
    expect(warned).toContain(
      'The endpoint ignores oldestFirst (answers newest first) and caps answers at 40 rows whatever maxItems asks; the sync adapted to it',
    );
    await expectExactCopy(h);
    expect(await h.storedKeys()).toEqual(h.sourceKeys());
  });

  it('copies everything from a server whose cuts keep the newest rows, and says so in a warning', async () => {
    // Answers look oldest first, yet each page of 100 is the newest 100 of its window.
    const h = await harness('cuts-keep-newest', { profile: 'postgres', cutKeepsNewest: true });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(300, { fromMs: nowMs - 300_000, toMs: nowMs - 1_000 });

    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    expect(summary.source).toMatchObject({ order: 'oldest first', cutKeeps: 'newest rows' });
    const warned = h.logger.recorded.filter((line) => line.level === 'warn').map((line) => line.message);
    expect(warned).toContain(
      'The endpoint keeps the newest rows of a window when it cuts an answer; the sync adapted to it',
    );
    expect(await h.storedKeys()).toEqual(h.sourceKeys());
  });
});
