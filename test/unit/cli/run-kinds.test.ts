// `runs` and `status` say what each ledger item was: a repair or a backfill writes under the job's lease as
// a sync does, and without its kind an operator would read it as a sync.
import { describe, expect, it } from 'vitest';
import type { LedgerRun } from '../../../functions/sync/run-ledger.js';
import { runsTable } from '../../../infra/cli/commands/runs.js';
import { describeRun } from '../../../infra/cli/commands/status.js';

const STARTED = '2026-12-03T04:00:00.000Z';
const run = (runId: string, kind?: LedgerRun['kind']): LedgerRun => ({
  job: 'j',
  runId,
  ...(kind ? { kind } : {}),
  startedAt: STARTED,
  outcome: 'succeeded',
  durationMs: 1_200,
  recordsWritten: 3,
});

describe('run kinds in the operator commands', () => {
  it('gives each row of the runs table its kind, a ledger item without one being a sync', () => {
    const lines = runsTable([run('a'), run('b', 'repair'), run('c', 'backfill'), run('d', 'sync')]).split(
      '\n',
    );

    expect(lines[0]).toMatch(/^started\s+kind\s+outcome\s+took\s+records/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[1])).toEqual([
      'sync',
      'repair',
      'backfill',
      'sync',
    ]);
  });

  it("names a repair or backfill in status's run line, and leaves a sync's as it was", () => {
    const nowMs = Date.parse(STARTED) + 60_000;

    expect(describeRun(run('a'), nowMs)).toMatch(/^succeeded 60.0 s ago /);
    expect(describeRun(run('b', 'repair'), nowMs)).toMatch(/^repair succeeded 60.0 s ago /);
    expect(describeRun(run('c', 'backfill'), nowMs)).toMatch(/^backfill succeeded 60.0 s ago /);
  });
});
