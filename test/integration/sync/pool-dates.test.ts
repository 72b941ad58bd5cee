// A sync run behind a load-balanced ThingWorx pool whose servers' clocks are 2–3 s apart (well inside the
// skew tolerance) with page queries that take 2 s each: every answer is genuine, so the run must succeed
// with every record, whatever the order in which the Dates of the two servers arrive.
import { afterEach, describe, expect, it } from 'vitest';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const harnesses: SyncHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** Long enough that our clock moves on by more than the old 2 s "frozen Date" threshold per page. */
const SLOW_PAGE_MS = 2_100;

describe('sync run behind a server pool whose clocks disagree by a few seconds', () => {
  it.each([
    ['the second server 2.5 s ahead', [0, 2_500]],
    ['the first server 3 s ahead', [3_000, 0]],
  ])('succeeds with every record when pages are slow and %s', async (_label, offsetsMs) => {
    const h = await startSyncHarness('pool-dates', {
      env: { REQUEST_TIMEOUT_MS: '6000', PAGE_SIZE: '100' },
      simulator: { backendClockOffsetsMs: offsetsMs },
    });
    harnesses.push(h);
    h.sim.stream.generate(350);
    h.sim.faults.set({ kind: 'latency', ms: SLOW_PAGE_MS, path: 'QueryStreamEntriesWithData' });

    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    expect(await h.storedKeys()).toEqual(h.sourceKeys());
    // The pool really alternated: both servers answered pages.
    const backends = new Set(
      h.sim.requests.list({ service: 'QueryStreamEntriesWithData' }).map((r) => r.backend),
    );
    expect(backends.size).toBe(2);
    expect(h.metrics.count('AuthFailure')).toBe(0);
  });
});
