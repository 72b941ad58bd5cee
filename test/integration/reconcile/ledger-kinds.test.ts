// The run ledger with run kinds: a repair or backfill item says what it was, a sync item stays as it
// was (no kind), and the sync's runs-behind streak passes over the repairs and backfills between syncs.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { RunLedger } from '../../../functions/sync/run-ledger.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

describe('run kinds in the ledger', () => {
  let db: LocalDynamoDb;
  let ledger: RunLedger;
  const job = 'kinds';
  const at = (minute: number) => Date.parse('2026-12-03T04:00:00Z') + minute * 60_000;

  beforeAll(async () => {
    db = await freshTables('ledger-kinds');
    ledger = new RunLedger(db.documentClient, db.tables.controlTable, 90);
  });

  const item = async (startedAtMs: number, runId: string) =>
    (
      await db.documentClient.send(
        new GetCommand({
          TableName: db.tables.controlTable,
          Key: controlKeys.runLedger(job, new Date(startedAtMs).toISOString(), runId),
        }),
      )
    ).Item;

  it('writes the kind of a repair or backfill, and none for a sync', async () => {
    await ledger.start({ job, runId: 'sync-1', startedAtMs: at(0) });
    await ledger.end(
      { job, runId: 'sync-1', startedAtMs: at(0) },
      { outcome: 'succeeded', endedAtMs: at(1) },
    );
    await ledger.start({ job, runId: 'repair-1', startedAtMs: at(2), kind: 'repair' });
    await ledger.end(
      { job, runId: 'repair-1', startedAtMs: at(2), kind: 'repair' },
      { outcome: 'succeeded', endedAtMs: at(3) },
    );

    expect((await item(at(0), 'sync-1'))?.kind).toBeUndefined();
    expect(await item(at(2), 'repair-1')).toMatchObject({ kind: 'repair', outcome: 'succeeded' });
  });

  it('counts the runs behind across the repairs and backfills between two syncs', async () => {
    const behind = { job, runId: 'sync-2', startedAtMs: at(10) };
    await ledger.end(behind, {
      outcome: 'succeeded',
      endedAtMs: at(11),
      caughtUp: false,
      runsBehindInARow: 3,
    });
    for (const [minute, kind] of [
      [12, 'repair'],
      [14, 'backfill'],
    ] as const) {
      const run = { job, runId: `${kind}-2`, startedAtMs: at(minute), kind };
      await ledger.end(run, { outcome: 'succeeded', endedAtMs: at(minute + 1), caughtUp: true });
    }

    expect(await ledger.runsBehindBefore({ job, runId: 'sync-3', startedAtMs: at(20) })).toBe(3);
  });
});
