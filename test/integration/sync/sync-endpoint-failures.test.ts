// The endpoint failing in the middle of a run: the run either completes or fails, and either way the
// committed watermark never claims a record that was not stored; the next run completes the copy.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import type { FaultRule } from '../../../infra/local/thingworx-simulator/index.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const harnesses: SyncHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function runWithFaultFromPage3(label: string, fault: FaultRule) {
  const h = await startSyncHarness(label, { env: { REQUEST_TIMEOUT_MS: '1000' } });
  harnesses.push(h);
  h.sim.stream.generate(600);
  const deps = h.depsWithReadHook({ before: (read) => (read === 3 ? h.sim.faults.set(fault) : undefined) });
  const outcome = await h.run({ deps }).then(
    (summary) => summary.outcome,
    (error: Error) => `failed: ${error.name}`,
  );
  return { h, outcome };
}

describe('sync run when the endpoint fails mid-run', () => {
  it.each<[string, FaultRule]>([
    ['a burst of 5xx', { kind: 'serverError', status: 502, next: 2 }],
    ['a 5xx outage', { kind: 'serverError', status: 500 }],
    ['a request that hangs', { kind: 'hang', next: 1 }],
    ['a truncated JSON body', { kind: 'truncatedJson', next: 1 }],
    ['an HTML login page with 200', { kind: 'htmlLogin' }],
  ])(
    'with %s: the watermark marks only stored records and the next run completes the copy',
    async (label, fault) => {
      const { h, outcome } = await runWithFaultFromPage3(label.replace(/\W+/g, '-'), fault);

      expect(outcome).toMatch(/^(succeeded|failed: \w+)$/);
      expect((await h.gapReport()).missingKeys).toEqual([]);

      h.sim.faults.clear();
      const retry = await h.run();
      expect(retry.outcome).toBe('succeeded');
      expect(await h.storedKeys()).toEqual(h.sourceKeys());
    },
  );

  it('rides out a burst of 5xx without failing the run', async () => {
    const { outcome } = await runWithFaultFromPage3('burst', { kind: 'serverError', status: 503, next: 2 });

    expect(outcome).toBe('succeeded');
  });

  it('fails a run during a 5xx outage, after releasing the lock', async () => {
    const { h, outcome } = await runWithFaultFromPage3('outage', { kind: 'serverError', status: 500 });

    expect(outcome).toBe('failed: EndpointHttpError');
    const [ledger] = await ledgerItems(h);
    expect(ledger).toMatchObject({ outcome: 'failed', pages: 2, error: { name: 'EndpointHttpError' } });
    expect(ledger?.recordsWritten).toBeGreaterThan(0);
    expect(ledger?.watermarkAfter).toEqual(await h.watermark()); // it says exactly how far the run got
    h.sim.faults.clear();
    expect((await h.run()).outcome).toBe('succeeded'); // not skipped: the failed run let go of the lock
  });

  it('completes the run when the key is rotated and the old one revoked mid-run', async () => {
    const h = await startSyncHarness('rotation');
    harnesses.push(h);
    h.sim.stream.generate(600);
    const oldKeyName = h.sim.keys.list()[0]?.name ?? '';
    const deps = h.depsWithReadHook({
      before: (read) => {
        if (read === 3) {
          h.rotateKey();
          h.sim.keys.revoke(oldKeyName);
        }
      },
    });

    const summary = await h.run({ deps });

    expect(summary.outcome).toBe('succeeded');
    expect(summary.authFailureCauses).toEqual(['stale-key']);
    expect(h.sim.requests.count({ status: 401 })).toBe(1);
    expect(await h.storedKeys()).toEqual(h.sourceKeys());
  });
});

async function ledgerItems(h: SyncHarness) {
  const { Items = [] } = await h.db.documentClient.send(
    new QueryCommand({
      TableName: h.db.tables.controlTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': controlKeys.jobPartition(h.job), ':run': 'run#' },
    }),
  );
  return Items;
}
