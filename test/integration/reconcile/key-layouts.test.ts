// The audit finds and repairs the same differences whatever the job's key fields: with the default
// (`timestamp` first) it reads the window from the table by key range and the records carry no index key;
// with the source first every record carries it and the audit reads the sparse index. Against DynamoDB
// Local and the simulator over loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { RECORDS_BY_SOURCE_TIME } from '../../../functions/shared/tables.js';
import { type ReconcileFixture, startReconcileFixture } from './support.js';

// Each layout's tests share one fixture and build on what the one before left: they run in order.
describe('audits by key layout', { shuffle: false }, () => {
  describe.each<{ layout: string; env: Record<string, string>; indexed: boolean }>([
    { layout: 'timestamp first (the default)', env: {}, indexed: false },
    { layout: 'source first', env: { KEY_FIELDS: 'source,timestamp' }, indexed: true },
  ])('the audit of a job whose keys have the $layout', ({ env, indexed }) => {
    let fixture: ReconcileFixture;
    let deletedKeys: string[];
    let changedKeys: string[];

    beforeAll(async () => {
      fixture = await startReconcileFixture(`key-layout-${indexed ? 'indexed' : 'table'}`, 300, { env });
      ({ deletedKeys, changedKeys } = await fixture.loseAndChange(23));
    });
    afterAll(() => fixture?.stack.close());

    const audit = () => fixture.audit();

    it(`stores ${indexed ? 'every record with' : 'no record with'} the index key`, async () => {
      const stored = await fixture.storedItems();

      expect(stored.length).toBe(fixture.stack.sim.stream.size() - 10);
      for (const item of stored) {
        if (indexed) expect(item[RECORDS_BY_SOURCE_TIME.sortKey]).toBe(item.sourceTimestamp);
        else expect(item).not.toHaveProperty(RECORDS_BY_SOURCE_TIME.sortKey);
      }
    });

    it('reports the deleted records missing and the entries changed at the source stale', async () => {
      const report = await audit();

      expect(report.totals).toMatchObject({ missing: 10, stale: 5, extra: 0 });
      expect(new Set(report.totals.samples.missing)).toEqual(new Set(deletedKeys));
      expect(new Set(report.totals.samples.stale)).toEqual(new Set(changedKeys));
      expect(report.totals.tableRecords).toBe(fixture.stack.sim.stream.size() - 10);
    });

    it('repairs them, after which an audit finds nothing', async () => {
      const outcome = await repairWindow(fixture.deps(), fixture.invocation(), {
        fromMs: fixture.fromMs,
        toMs: fixture.toMs,
      });

      expect(outcome.outcome).toBe('succeeded');
      expect((await audit()).totals).toMatchObject({ missing: 0, stale: 0, extra: 0 });
      const repaired = (await fixture.storedItems()).filter((item) => deletedKeys.includes(String(item.sk)));
      expect(repaired).toHaveLength(10);
      for (const item of repaired) expect(RECORDS_BY_SOURCE_TIME.sortKey in item).toBe(indexed);
    });
  });
});
