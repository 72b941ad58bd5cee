// How the skew monitor's last measurement widens a run's window (DynamoDB Local + the simulator): only a
// recent measurement counts, and never by more than the cap.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const MINUTE_MS = 60_000;
const harnesses: SyncHarness[] = [];
async function harness(label: string, env: Record<string, string> = {}) {
  const h = await startSyncHarness(label, { env: { SKEW_TARGET: 'thingworx', ...env } });
  harnesses.push(h);
  h.sim.stream.generate(20);
  return h;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** The monitor's item for the target, as functions/clock-skew/skew-store.ts writes it. */
function measured(h: SyncHarness, offsetMs: number, measuredAtMs: number) {
  return h.db.documentClient.send(
    new PutCommand({
      TableName: h.db.tables.controlTable,
      Item: {
        ...controlKeys.lastSkew('thingworx'),
        offsetMs,
        boundMs: 2,
        measuredAt: new Date(measuredAtMs).toISOString(),
        measurementFailed: false,
      },
    }),
  );
}

/** How far past its own clock the run read: the skew allowance it used (plus the run's duration). */
const readAheadMs = (summary: Awaited<ReturnType<SyncHarness['run']>>) =>
  (summary.windowEndMs ?? 0) - summary.endedAtMs;

describe('skew allowance', () => {
  it('widens the window by a measurement younger than the maximum age', async () => {
    const h = await harness('skew-fresh');
    await measured(h, 10 * MINUTE_MS, h.clock.nowMs() - 5 * MINUTE_MS);

    const summary = await h.run();

    expect(readAheadMs(summary)).toBeGreaterThan(9 * MINUTE_MS);
  });

  it('ignores a measurement older than the maximum age, and says so', async () => {
    const h = await harness('skew-stale');
    await measured(h, 10 * MINUTE_MS, h.clock.nowMs() - 61 * MINUTE_MS);

    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    expect(readAheadMs(summary)).toBeLessThan(MINUTE_MS);
    expect(h.logger.recorded).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/^Ignoring the last clock-skew measurement/),
        attributes: expect.objectContaining({ target: 'thingworx', maxAgeMs: 3_600_000 }),
      }),
    );
  });

  it('takes the maximum age from SKEW_MAX_AGE_MS', async () => {
    const h = await harness('skew-age-config', { SKEW_MAX_AGE_MS: String(2 * MINUTE_MS) });
    await measured(h, 10 * MINUTE_MS, h.clock.nowMs() - 5 * MINUTE_MS);

    expect(readAheadMs(await h.run())).toBeLessThan(MINUTE_MS);
  });

  it('caps an absurd allowance and logs that the cap applied', async () => {
    const h = await harness('skew-capped', { SKEW_ALLOWANCE_CAP_MS: String(3 * MINUTE_MS) });
    await measured(h, -2 * 60 * MINUTE_MS, h.clock.nowMs() - MINUTE_MS);

    const summary = await h.run();

    expect(readAheadMs(summary)).toBeGreaterThan(2 * MINUTE_MS);
    expect(readAheadMs(summary)).toBeLessThanOrEqual(3 * MINUTE_MS);
    expect(h.logger.recorded).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/^Clock-skew allowance capped/),
        attributes: expect.objectContaining({
          measuredAllowanceMs: 2 * 60 * MINUTE_MS + 2,
          skewAllowanceCapMs: 3 * MINUTE_MS,
        }),
      }),
    );
  });
});
