// `syncwarden audit` against DynamoDB Local and the simulator, in-process: `main` with captured streams,
// and resolveTarget answering with a target built over the test stack (resolveTarget itself is the
// target module's concern and has tests of its own).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../infra/cli/main.js';
import type { Target } from '../../../infra/cli/target.js';
import { type ReconcileFixture, startReconcileFixture } from '../reconcile/support.js';
import { capturedIo } from './audit-support.js';

const resolved: { target?: Target } = {};
vi.mock(import('../../../infra/cli/target.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  resolveTarget: async () => {
    if (!resolved.target) throw new Error('no test target');
    return resolved.target;
  },
}));

// The tests share one fixture and build on what the one before left: they run in order.
describe('syncwarden audit', { shuffle: false }, () => {
  let fixture: ReconcileFixture;
  let window: string[];

  beforeAll(async () => {
    fixture = await startReconcileFixture('cli-audit', 500);
    resolved.target = fixture.stack.target;
    window = ['--from', new Date(fixture.fromMs).toISOString(), '--to', new Date(fixture.toMs).toISOString()];
    const stored = await fixture.storedItems();
    const changed = fixture.changeSourceEntries(5);
    await fixture.deleteRecords(
      stored
        .map((item) => String(item.sk))
        .filter((key) => !changed.includes(key))
        .filter((_, i) => i % 40 === 5)
        .slice(0, 10),
    );
  });
  afterAll(() => fixture?.stack.close());

  const audit = async (...flags: string[]) => {
    const io = capturedIo();
    const code = await main(['audit', '--local', '--job', fixture.job, ...window, ...flags], io);
    return { code, out: io.stdoutText(), err: io.stderrText() };
  };

  it('reports 10 missing and 5 stale, with the counts per hour, and exits 1', async () => {
    const { code, out } = await audit();

    expect(code).toBe(1);
    expect(out).toMatch(/compared +500 source entries with 490 records: 10 missing, 5 stale, 0 extra/);
    expect(out).toMatch(/hour \(UTC\) +source +table\n {2}\d{4}-\d\d-\d\dT\d\d:00Z +\d+ +\d+/);
    expect(out).not.toMatch(/repair/);
  });

  it('prints one JSON object with --json', async () => {
    const { code, out } = await audit('--json');

    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report).toMatchObject({
      job: fixture.job,
      complete: true,
      missing: 10,
      stale: 5,
      extra: 0,
      clean: false,
    });
    expect(report.hours.reduce((sum: number, hour: { table: number }) => sum + hour.table, 0)).toBe(
      report.tableRecords,
    );
  });

  it('repairs with --repair, after which the audit finds nothing, and the ledger shows the repair', async () => {
    const repaired = await audit('--repair');
    const after = await audit();

    expect(repaired.code).toBe(0);
    expect(repaired.out).toMatch(/10 missing, 5 stale/);
    expect(repaired.out).toMatch(/repair +15 written, 0 pruned .* under fence \d+, in the run ledger/);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/: 0 missing, 0 stale, 0 extra/);
    const runs = (await fixture.ledgerItems()).filter((item) => item.kind === 'repair');
    expect(runs).toMatchObject([{ outcome: 'succeeded', recordsWritten: 15 }]);
  });

  it('draws a progress bar on a terminal only, and never into --json output', async () => {
    const tty = capturedIo({ tty: true });
    const piped = capturedIo();
    const ttyJson = capturedIo({ tty: true });
    const args = ['audit', '--local', '--job', fixture.job, ...window];

    await main(args, tty);
    await main(args, piped);
    await main([...args, '--json'], ttyJson);

    expect(tty.stderrText()).toMatch(/\raudit \[#+-*\] +\d+% {2}through \d{4}-/);
    expect(tty.stdoutText()).not.toMatch(/\r/);
    expect(piped.stderrText()).toBe('');
    expect(ttyJson.stderrText()).toBe('');
  });

  it('names the jobs it knows for an unknown job', async () => {
    const io = capturedIo();

    const code = await main(['audit', '--local', '--job', 'no-such-job', ...window], io);

    expect(code).toBe(1);
    expect(io.stderrText()).toMatch(
      /^syncwarden audit: unknown job "no-such-job"; this target has: cli-audit-job/,
    );
  });

  it('refuses --prune without --repair, and a window that ends before it starts, as usage errors', async () => {
    const prune = capturedIo();
    const backwards = capturedIo();

    expect(await main(['audit', '--local', '--job', fixture.job, ...window, '--prune'], prune)).toBe(2);
    expect(
      await main(['audit', '--local', '--job', fixture.job, '--from', '1h', '--to', '2h'], backwards),
    ).toBe(2);
    expect(prune.stderrText()).toMatch(/--prune deletes records: it needs --repair/);
    expect(backwards.stderrText()).toMatch(/--to .* must be after --from/);
  });

  it('refuses a cursor it did not hand out', async () => {
    const { code, err } = await audit('--cursor', 'not-a-cursor');

    expect(code).toBe(1);
    expect(err).toMatch(/audit cursor is not one/);
  });

  it('writes nothing with --repair while a sync holds the lease, and says so', async () => {
    const deps = fixture.deps();
    const held = await deps.lock.acquire(fixture.job, { requestId: 'a-sync', remainingTimeMs: 60_000 });
    if (held.status !== 'acquired') throw new Error('could not take the lock');
    await fixture.deleteRecords([String((await fixture.storedItems())[0]?.sk)]);
    try {
      const { code, err } = await audit('--repair');

      expect(code).toBe(1);
      expect(err).toMatch(/repair skipped: lock held by a-sync#\w+ \(fence \d+\) until .*; nothing written/);
      expect((await audit('--json')).out).toMatch(/"missing":1,/);
    } finally {
      await deps.lock.release(held.lease);
    }
  });
});
