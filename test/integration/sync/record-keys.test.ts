// Record keys end to end (DynamoDB Local + the simulator over loopback): entries whose key-field values
// only differ in where a '#' sits are two records, and the upgrade from the old joined keys neither
// duplicates nor loses what an older version stored.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { recordKeys } from '../../../functions/shared/tables.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';
import type { SyncJobDependencies } from '../../../functions/sync/sync-job.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const harnesses: SyncHarness[] = [];
async function harness(label: string) {
  // Keyed by two text fields, so a '#' inside one of them is where the old joined keys collided.
  const h = await startSyncHarness(label, { env: { KEY_FIELDS: 'source,status' } });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function storedItems(h: SyncHarness) {
  const { Items = [] } = await h.db.documentClient.send(
    new QueryCommand({
      TableName: h.db.tables.recordsTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': recordKeys.jobPartition(h.job) },
    }),
  );
  return Items;
}

/**
 * The dependencies as the version before unambiguous keys ran: every record stored under the values
 * joined with '#', and no cutover recorded (that version had none).
 */
function legacyVersion(deps: SyncJobDependencies): SyncJobDependencies {
  const records = Object.create(deps.records) as SyncJobDependencies['records'];
  records.write = (page: readonly SourceRecord[], ...rest) =>
    deps.records.write(
      page.map((record) => ({ ...record, key: record.legacyKey ?? record.key })),
      ...rest,
    );
  return { ...deps, records, recordKeys: { legacyKeysUpToMs: async () => undefined } };
}

describe('record keys', () => {
  it('stores ("x#y", "z") and ("x", "y#z") as two records, the older one included', async () => {
    const h = await harness('key-collision');
    const t = Date.now() - 60_000;
    h.sim.stream.append([
      { timestamp: t, source: 'x#y', status: 'z' },
      { timestamp: t + 10, source: 'x', status: 'y#z' },
    ]);

    const summary = await h.run();

    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 2, recordsAlreadyStored: 0 });
    const items = await storedItems(h);
    expect(items.map((item) => [item.data.source, item.data.status]).sort()).toEqual([
      ['x#y', 'z'],
      ['x', 'y#z'],
    ]);
    expect((await h.gapReport()).missingKeys).toEqual([]);
  });

  it('re-reads the overlap after the upgrade without duplicating or losing the records stored the old way', async () => {
    const h = await harness('key-upgrade');
    const t = Date.now() - 90_000; // inside the next run's overlap window (2 minutes)
    h.sim.stream.append([
      { timestamp: t, source: 'a#b', status: 'c' },
      { timestamp: t + 10, source: 'plain', status: 'ok' },
      { timestamp: t + 20, source: '7', status: 'ok' },
    ]);
    await h.run({ deps: legacyVersion(h.deps) });
    const before = await storedItems(h);
    expect(before.map((item) => item.sk).sort()).toEqual(['7#ok', 'a#b#c', 'plain#ok']);

    // After the upgrade: the same entries re-read (one replaced in place), and new ones that collide.
    h.sim.stream.append([{ timestamp: t, source: 'a#b', status: 'c', temperature: -40 }]);
    const fresh = Date.now() + 1_000;
    h.sim.stream.append([
      { timestamp: fresh, source: 'x#y', status: 'z' },
      { timestamp: fresh + 10, source: 'x', status: 'y#z' },
    ]);
    h.clock.shiftMs = 2_000;
    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    const after = await storedItems(h);
    expect(after).toHaveLength(5);
    expect(after.map((item) => item.sk).sort()).toEqual(
      ['7#ok', 'a#b#c', 'plain#ok', 'x#y\\#z', 'x\\#y#z'].sort(),
    );
    expect(after.find((item) => item.sk === 'a#b#c')?.data.temperature).toBe(-40);
    const report = await h.gapReport();
    expect(report).toMatchObject({ missingKeys: [], staleKeys: [], extraKeys: [] });
  });
});
