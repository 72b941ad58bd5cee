// Failure paths of a whole run, against DynamoDB Local and the simulator over loopback: the deadline,
// a skewed endpoint clock, throttled and conflicting record writes, a ledger that cannot be written, a
// watermark commit whose answer is lost, and a crash between storing a page and committing it. After
// each, the next run must leave the table exactly as the source is: nothing lost, nothing counted twice.
import { writeFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { RecordsStore } from '../../../functions/sync/records-store.js';
import type { SyncJobDependencies } from '../../../functions/sync/sync-job.js';
import type { Watermark, WatermarkStore } from '../../../functions/sync/watermark.js';
import { never, type SyncHarness, startSyncHarness, withReadHooks } from '../../support/sync-harness.js';
import {
  answerWithoutSending,
  endsLedgerEntry,
  failBeforeSending,
  insertsRecords,
  loseAnswers,
  refusedStatements,
  startsLedgerEntry,
  writesWatermark,
} from './sdk-faults.js';

const harnesses: SyncHarness[] = [];
async function harness(label: string, options?: Parameters<typeof startSyncHarness>[1]) {
  const h = await startSyncHarness(label, options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** The table holds exactly the source: no gap, no stale content, no extra record. */
async function expectExactCopy(h: SyncHarness) {
  const report = await h.gapReport();
  expect(report).toMatchObject({ missingKeys: [], staleKeys: [], extraKeys: [] });
  expect(await h.storedKeys()).toEqual(h.sourceKeys());
}

const ledgerItems = (h: SyncHarness) => h.ledgerItems();

/** How many records each run id wrote last: a record counted by two runs would show up in both. */
async function recordsByWriter(h: SyncHarness): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const item of await h.recordItems())
    counts.set(String(item.runId), (counts.get(String(item.runId)) ?? 0) + 1);
  return counts;
}

/** 300 entries over the last hour: three pages of 100, each far older than the next run's overlap. */
function generateHour(h: SyncHarness, count = 300) {
  const nowMs = h.sim.clock.nowMs();
  return h.sim.stream.generate(count, { fromMs: nowMs - 3_600_000, toMs: nowMs - 600_000 });
}

describe('a run that stops at its deadline', () => {
  it('ends caughtUp: false with its reason in the ledger, and the next run finishes the backlog with 0 gaps', async () => {
    const h = await harness('deadline', {
      env: { PAGE_SIZE: '50', SAFETY_MARGIN_MS: '0', MIN_REMAINING_TIME_MS: '0' },
    });
    h.sim.stream.generate(600, { toMs: h.sim.clock.nowMs() - 1_000 });
    h.sim.faults.set({ kind: 'latency', ms: 100 }); // a slow endpoint: a few pages fit in 300 ms

    const behind = await h.run({ remainingTimeMs: 300 });

    const reason = 'stopped at the safety margin; the backlog is left for the next run';
    expect(behind).toMatchObject({ outcome: 'succeeded', caughtUp: false, reason });
    const [entry] = await ledgerItems(h);
    expect(entry).toMatchObject({ runId: behind.runId, outcome: 'succeeded', caughtUp: false, reason });
    expect(entry?.watermarkAfter).toEqual(await h.watermark());
    expect((await h.gapReport()).missingKeys).toEqual([]); // complete up to its watermark
    expect((await h.storedKeys()).size).toBeLessThan(600); // and a backlog really is left

    h.sim.faults.clear();
    const next = await h.run();

    expect(next).toMatchObject({ outcome: 'succeeded', caughtUp: true });
    expect(next.reason).toBeUndefined();
    expect(next.watermarkBefore).toEqual(behind.watermarkAfter);
    await expectExactCopy(h);
  });
});

describe('a measured clock skew', () => {
  const SKEW_MS = 300_000;
  const BOUND_MS = 1_000;

  /**
   * The endpoint's clock runs SKEW_MS ahead and the monitor has measured it. After a first run, two
   * entries arrive that only a window widened by the skew reaches: one late, older than the overlap
   * alone re-reads, and one stamped ahead of our clock (the present on the endpoint's clock).
   */
  async function skewedRun(env: Record<string, string>) {
    const h = await harness('skew', { env });
    h.sim.clock.setOffsetMs(SKEW_MS);
    await h.db.documentClient.send(
      new PutCommand({
        TableName: h.db.tables.controlTable,
        Item: {
          ...controlKeys.lastSkew('thingworx'),
          offsetMs: SKEW_MS,
          boundMs: BOUND_MS,
          measuredAt: new Date().toISOString(),
        },
      }),
    );
    const localNowMs = Date.now();
    h.sim.stream.generate(100, { fromMs: localNowMs - 3_600_000, toMs: localNowMs - 600_000 });
    await h.run();
    const watermark = (await h.watermark()) as Watermark;
    const overlapMs = 120_000; // the harness's OVERLAP_MS
    const [late] = h.sim.stream.append({ timestamp: watermark.timestampMs - overlapMs - SKEW_MS / 2 });
    const [ahead] = h.sim.stream.append({ timestamp: Date.now() + SKEW_MS / 2 });
    const startedAtMs = Date.now();
    const summary = await h.run();
    const stored = await h.storedKeys();
    return {
      h,
      summary,
      startedAtMs,
      late: stored.has(h.keyOf(late as never)),
      ahead: stored.has(h.keyOf(ahead as never)),
    };
  }

  it('widens the window by |offset| + bound: late entries inside the widened window are stored', async () => {
    const { summary, startedAtMs, late, ahead } = await skewedRun({ SKEW_TARGET: 'thingworx' });

    expect(summary.outcome).toBe('succeeded');
    expect(summary.windowEndMs).toBeGreaterThanOrEqual(startedAtMs + SKEW_MS + BOUND_MS);
    expect({ late, ahead }).toEqual({ late: true, ahead: true });
  });

  it('negative control: without SKEW_TARGET the same run reaches neither entry', async () => {
    const { summary, late, ahead } = await skewedRun({});

    expect(summary.outcome).toBe('succeeded');
    expect({ late, ahead }).toEqual({ late: false, ahead: false });
  });
});

describe('records writes DynamoDB refuses for now', () => {
  it.each(['TransactionConflict', 'ThrottlingError'])(
    'retries INSERTs refused with %s, backing off, and the run stores every record once',
    async (code) => {
      const h = await harness(`cancel-${code}`);
      generateHour(h);
      const firstPageKey = `"S":"${h.keyOf(h.sim.stream.all()[0] as never)}"`;
      let cancelsLeft = 2;
      const faults = answerWithoutSending(
        h.db.client,
        'refuseFirstPage',
        (r) =>
          insertsRecords(h.db.tables.recordsTable)(r) && r.body.includes(firstPageKey) && cancelsLeft-- > 0
            ? 'fail'
            : 'pass',
        (r) => refusedStatements(r, code),
      );
      vi.spyOn(Math, 'random').mockReturnValue(0.5); // full jitter at its middle: waits of 25, then 50 ms
      const waits = vi.spyOn(globalThis, 'setTimeout');

      const summary = await h.run();

      expect(faults.answered).toBe(2);
      expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 300, caughtUp: true });
      const delays = waits.mock.calls.map(([, ms]) => ms).filter((ms) => ms === 25 || ms === 50);
      expect(delays).toEqual([25, 50]); // one wait before each retry, doubling
      expect([...(await recordsByWriter(h)).values()]).toEqual([300]);
      await expectExactCopy(h);
    },
  );

  it('gives up after maxAttempts, failing the run before the watermark; the next run completes the copy', async () => {
    const h = await harness('cancel-forever');
    generateHour(h);
    const oldestKey = h.keyOf(h.sim.stream.all()[0] as never); // in the first page's first INSERT batch
    const faults = answerWithoutSending(
      h.db.client,
      'refuseFirstPage',
      (r) =>
        insertsRecords(h.db.tables.recordsTable)(r) && r.body.includes(`"S":"${oldestKey}"`)
          ? 'fail'
          : 'pass',
      (r) => refusedStatements(r, 'TransactionConflict'),
    );
    const deps: SyncJobDependencies = {
      ...h.deps,
      records: new RecordsStore({
        documentClient: h.db.documentClient,
        tableName: h.db.tables.recordsTable,
        maxAttempts: 3,
      }),
    };

    const error = await h.run({ deps }).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/was refused 3 times \(TransactionConflict\)/);
    expect(faults.answered).toBe(3);
    expect(await h.watermark()).toBeUndefined();
    const [entry] = await ledgerItems(h);
    expect(entry).toMatchObject({ outcome: 'failed', pages: 0, recordsWritten: 0 });

    h.db.client.middlewareStack.remove('refuseFirstPage'); // the conflicts clear up
    const next = await h.run();

    expect(next).toMatchObject({ outcome: 'succeeded', caughtUp: true });
    await expectExactCopy(h);
  });
});

describe('a run with an expired key', () => {
  it('fails through the Access Denied path: expired-key logged with its evidence, counted, in the ledger, nothing sent', async () => {
    const h = await harness('expired-key');
    generateHour(h);
    const expiresAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    writeFileSync(
      h.keyFile,
      JSON.stringify({ appKey: 'expired-key-value-0d1c', keyName: 'sync-test', expiresAt }),
    );

    const error = await h.run().catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDeniedError', reason: 'expired-key' });
    expect(h.sim.requests.count()).toBe(0);
    const denial = h.logger.recorded.find((l) => l.message === 'Access denied: expired-key');
    expect(denial?.attributes).toMatchObject({ authFailureCause: 'expired-key', recovered: false });
    expect(JSON.stringify(denial?.attributes.evidence)).toContain(expiresAt);
    expect(h.metrics.named('AuthFailure').map((m) => m.dimensions.Cause)).toEqual(['expired-key']);
    expect(h.metrics.values('AppKeyDaysToExpiry')[0]).toBeLessThan(0);
    const [entry] = await ledgerItems(h);
    expect(entry).toMatchObject({ outcome: 'failed', authFailureCauses: ['expired-key'] });
    expect(JSON.stringify(h.logger.recorded)).not.toContain('expired-key-value-0d1c');
  });
});

describe('a run ledger that cannot be written', () => {
  it('does not fail the run: the data and the watermark are committed and the failure is logged', async () => {
    const h = await harness('ledger-down');
    generateHour(h);
    const faults = failBeforeSending(
      h.db.client,
      'ledgerDown',
      (r) => (endsLedgerEntry(r) ? 'fail' : 'pass'),
      () =>
        Object.assign(new Error('User is not authorized to perform: dynamodb:UpdateItem'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        }),
    );

    const summary = await h.run();

    expect(faults.failures).toBe(1);
    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 300, caughtUp: true });
    expect(h.metrics.count('RunSucceeded')).toBe(1);
    expect(h.metrics.count('RunFailed')).toBe(0);
    expect(h.logger.recorded.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'Could not write the run ledger entry',
    ]);
    expect((await h.watermark())?.timestampMs).toBe(h.sim.stream.all().at(-1)?.timestamp);
    expect((await ledgerItems(h)).map((item) => item.outcome)).toEqual(['running']); // only its start landed
    await expectExactCopy(h);
  });
});

describe('a run ledger whose start cannot be written', () => {
  it('still runs: the data and the watermark are committed, and the ledger item is written whole at the end', async () => {
    const h = await harness('ledger-start-down');
    generateHour(h);
    const faults = failBeforeSending(
      h.db.client,
      'ledgerStartDown',
      (r) => (startsLedgerEntry(r) ? 'fail' : 'pass'),
      () =>
        Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        }),
    );

    const summary = await h.run();

    expect(faults.failures).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 300, caughtUp: true });
    expect(h.logger.recorded.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'Could not write the run ledger entry',
    ]);
    expect((await ledgerItems(h)).map((item) => item.outcome)).toEqual(['succeeded']);
    await expectExactCopy(h);
  });
});

describe('a watermark commit whose answer is lost', () => {
  it('succeeds when the SDK retries the commit that had landed, and the next run counts only new records', async () => {
    const h = await harness('lost-answer');
    generateHour(h);
    const lost = loseAnswers(h.db.client, 'loseFirstCommit', writesWatermark, 1);

    const first = await h.run();

    expect(lost.lost).toBe(1);
    expect(first).toMatchObject({ outcome: 'succeeded', recordsWritten: 300, caughtUp: true });
    expect(await h.watermark()).toEqual(first.watermarkAfter);
    const fresh = h.sim.stream.generate(40, { fromMs: Date.now() - 30_000, toMs: Date.now() - 1_000 });
    const next = await h.run();

    expect(next).toMatchObject({ outcome: 'succeeded', recordsWritten: fresh.length });
    expect(Object.fromEntries(await recordsByWriter(h))).toEqual({ [first.runId]: 300, [next.runId]: 40 });
    await expectExactCopy(h);
  });

  it('fails the run when every retry loses its answer; the next run resumes from the landed position, counting nothing twice', async () => {
    const h = await harness('lost-answers');
    generateHour(h);
    const lost = loseAnswers(h.db.client, 'loseFirstCommitAlways', writesWatermark, 3); // the SDK's 3 attempts

    const error = await h.run().catch((e: unknown) => e);

    expect((error as Error).name).toBe('TimeoutError');
    expect(lost.lost).toBe(3);
    const landed = await h.watermark();
    expect(landed).toBeDefined(); // the commit landed although the run never heard so
    const [failed] = await ledgerItems(h);
    expect(failed).toMatchObject({ outcome: 'failed', pages: 1, error: { name: 'TimeoutError' } });
    const failedWrote = Number(failed?.recordsWritten);
    expect(failedWrote).toBeGreaterThan(0);

    const next = await h.run();

    expect(next).toMatchObject({ outcome: 'succeeded', caughtUp: true });
    expect(next.watermarkBefore).toEqual(landed);
    const writers = await recordsByWriter(h);
    // Each run counted exactly what it wrote. (The failed run may also have stored page 2 while its commit
    // retried; those records are counted by neither run, as the ledger counts what the watermark covers.)
    expect(writers.get(next.runId)).toBe(next.recordsWritten);
    expect(writers.get(String(failed?.runId))).toBeGreaterThanOrEqual(failedWrote);
    expect([...writers.values()].reduce((x, y) => x + y, 0)).toBe(300);
    await expectExactCopy(h);
  });
});

describe('a crash between storing a page and committing it', () => {
  it('loses nothing and counts nothing twice: the next run takes over and keeps the records already stored', async () => {
    const h = await harness('crash-uncommitted');
    generateHour(h);
    let dead = false;
    let crashed!: (watermark: Watermark) => void;
    const atCrash = new Promise<Watermark>((resolve) => {
      crashed = resolve;
    });
    const store = h.deps.watermarks;
    const watermarks = Object.create(store) as WatermarkStore;
    let commits = 0;
    watermarks.commit = async (...args: Parameters<WatermarkStore['commit']>) => {
      if (++commits < 2) return store.commit(...args);
      // Page 2 is stored (a commit follows its store): the process dies before the commit is sent.
      dead = true;
      crashed(args[1]);
      return never();
    };
    const dying = withReadHooks(
      { ...h.deps, watermarks },
      {
        before: async () => {
          if (dead) await never();
        },
      },
    );
    void h.run({ deps: dying, remainingTimeMs: 60_000 });
    const uncommitted = await atCrash;
    const committed = (await h.watermark()) as Watermark;
    const storedAtCrash = await h.storedKeys();
    const storedUncommitted = h.sim.stream
      .all()
      .filter((e) => e.timestamp > committed.timestampMs && storedAtCrash.has(h.keyOf(e))).length;

    expect(uncommitted.timestampMs).toBeGreaterThan(committed.timestampMs);
    expect(storedUncommitted).toBeGreaterThan(0); // page 2 is in the table, past the watermark

    h.clock.shiftMs = 60_000 + 45_000 + 1; // past the crashed run's lease
    const next = await h.run();

    expect(next).toMatchObject({ outcome: 'succeeded', caughtUp: true });
    expect(next.watermarkBefore).toEqual(committed);
    const writers = await recordsByWriter(h);
    // The next run wrote exactly the records it counted; the rest keep the crashed run as their writer.
    expect(writers.get(next.runId) ?? 0).toBe(next.recordsWritten);
    expect([...writers.values()].reduce((a, b) => a + b, 0)).toBe(300);
    expect(next.recordsAlreadyStored).toBeGreaterThanOrEqual(storedUncommitted); // found, not rewritten
    await expectExactCopy(h);
  });
});
