// `syncwarden backfill` against DynamoDB Local and the simulator, in-process (runBackfill on a target
// built over the test stack): it re-syncs a window under the lock through the sync's write path, leaves
// the watermark alone and is in the run ledger; while a sync holds the lock it writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatermarkStore } from '../../../functions/sync/watermark.js';
import { runBackfill } from '../../../infra/cli/commands/backfill.js';
import { type ReconcileFixture, startReconcileFixture } from '../reconcile/support.js';
import { capturedIo } from './audit-support.js';

// The tests share one fixture and build on what the one before left: they run in order.
describe('syncwarden backfill', { shuffle: false }, () => {
  let fixture: ReconcileFixture;

  beforeAll(async () => {
    fixture = await startReconcileFixture('cli-backfill', 300);
  });
  afterAll(() => fixture?.stack.close());

  const options = (json = false) => ({
    job: fixture.job,
    fromMs: fixture.fromMs,
    toMs: fixture.toMs,
    json,
    timeoutMs: 120_000,
    target: { local: true },
  });

  it('stores what the table lacks in the window, leaves the rest and the watermark, and is in the ledger', async () => {
    const lost = (await fixture.storedItems()).slice(20, 32).map((item) => String(item.sk));
    await fixture.deleteRecords(lost);
    const watermarks = new WatermarkStore(
      fixture.stack.db.documentClient,
      fixture.stack.config.tables.controlTable,
    );
    const before = await watermarks.read(fixture.job);
    const io = capturedIo();

    const code = await runBackfill(fixture.stack.target, options(true), io);

    expect(code).toBe(0);
    const printed = JSON.parse(io.stdoutText());
    expect(printed).toMatchObject({ written: 12, alreadyStored: 288, complete: true });
    const keys = new Set((await fixture.storedItems()).map((item) => String(item.sk)));
    for (const key of lost) expect(keys.has(key)).toBe(true);
    expect(await watermarks.read(fixture.job)).toEqual(before);
    const backfills = (await fixture.ledgerItems()).filter((item) => item.kind === 'backfill');
    expect(backfills).toMatchObject([
      { outcome: 'succeeded', runId: printed.runId, recordsWritten: 12, recordsAlreadyStored: 288 },
    ]);
  });

  it('prints what it stored for people', async () => {
    const io = capturedIo();

    expect(await runBackfill(fixture.stack.target, options(), io)).toBe(0);
    expect(io.stdoutText()).toMatch(
      /stored +0 records written, 300 already stored, in \d+ pages\n {2}run +[\w-]+ under fence \d+, in the run ledger; the watermark is unchanged/,
    );
  });

  it('writes nothing while a sync holds the lock, and says so', async () => {
    const deps = fixture.deps();
    const held = await deps.lock.acquire(fixture.job, { requestId: 'a-sync', remainingTimeMs: 60_000 });
    if (held.status !== 'acquired') throw new Error('could not take the lock');
    const lost = String((await fixture.storedItems())[5]?.sk);
    await fixture.deleteRecords([lost]);
    const io = capturedIo();
    try {
      expect(await runBackfill(fixture.stack.target, options(), io)).toBe(1);
    } finally {
      await deps.lock.release(held.lease);
    }
    expect(io.stderrText()).toMatch(/skipped, lock held by a-sync#\w+ .*; nothing written/);
    expect((await fixture.storedItems()).some((item) => item.sk === lost)).toBe(false);
  });
});
