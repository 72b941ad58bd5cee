// The endpoint failing in the middle of a run: each fault's outcome is pinned (recovered by retries, or
// failed with the cause the ledger names), the committed watermark never claims a record that was not
// stored, and the next run completes the copy.
import { afterEach, describe, expect, it } from 'vitest';
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
  // Reads: page 1, the pager's check for rows page 1 lacks (it may have been cut), page 2, then page 3.
  const deps = h.depsWithReadHook({ before: (read) => (read === 4 ? h.sim.faults.set(fault) : undefined) });
  const outcome = await h.run({ deps }).then(
    (summary) => summary.outcome,
    (error: Error) => `failed: ${error.name}`,
  );
  return { h, outcome };
}

/** How a run ends under one fault: recovered (retries), or failed with the cause the ledger names. */
type Expected =
  | { outcome: 'succeeded'; faultedAnswers: { status: number; count: number } | undefined }
  | { outcome: string; reason: string; authFailureCauses?: string[] };

describe('sync run when the endpoint fails mid-run', () => {
  it.each<[string, FaultRule, Expected]>([
    [
      'a burst of 5xx',
      { kind: 'serverError', status: 502, next: 2 },
      { outcome: 'succeeded', faultedAnswers: { status: 502, count: 2 } },
    ],
    [
      'a 5xx outage',
      { kind: 'serverError', status: 500 },
      { outcome: 'failed: EndpointHttpError', reason: 'endpoint-http-error' },
    ],
    ['a request that hangs', { kind: 'hang', next: 1 }, { outcome: 'succeeded', faultedAnswers: undefined }],
    [
      'a truncated JSON body',
      { kind: 'truncatedJson', next: 1 },
      { outcome: 'succeeded', faultedAnswers: undefined },
    ],
    [
      'an HTML login page with 200',
      { kind: 'htmlLogin' },
      { outcome: 'failed: AccessDeniedError', reason: 'proxy-auth', authFailureCauses: ['proxy-auth'] },
    ],
  ])(
    'with %s: the run ends as pinned, the watermark marks only stored records and the next run completes the copy',
    async (label, fault, expected) => {
      const { h, outcome } = await runWithFaultFromPage3(label.replace(/\W+/g, '-'), fault);

      expect(outcome).toBe(expected.outcome);
      const [ledger] = await ledgerItems(h);
      if ('reason' in expected) {
        // Pages 1 and 2 were committed before the fault, and the ledger names the cause.
        expect(ledger).toMatchObject({ outcome: 'failed', pages: 2, error: { reason: expected.reason } });
        expect(ledger?.authFailureCauses).toEqual(expected.authFailureCauses);
        expect(ledger?.watermarkAfter).toEqual(await h.watermark());
      } else {
        expect(ledger).toMatchObject({ outcome: 'succeeded', caughtUp: true });
        expect(ledger?.error).toBeUndefined();
        if (expected.faultedAnswers) {
          expect(h.sim.requests.count({ status: expected.faultedAnswers.status })).toBe(
            expected.faultedAnswers.count,
          );
        }
        expect(await h.storedKeys()).toEqual(h.sourceKeys()); // recovered in the same run
      }
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

const ledgerItems = (h: SyncHarness) => h.ledgerItems();
