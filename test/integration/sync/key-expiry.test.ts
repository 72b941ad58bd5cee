// The key expiry a run publishes when the secret is a plain string, against the simulator over loopback
// and DynamoDB Local: the key's own GetExpirationDate when its user may call it, AppKeyExpiryUnknown = 1
// when the server refuses, and a skipped run (lock held) publishing without asking the server.
import { writeFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const DAY_MS = 86_400_000;
/** The sync key's name on the server, given to the job as APP_KEY_NAME (a plain secret cannot carry it). */
const KEY_NAME = 'plain-sync-key';
const READER = 'stream-reader';

const harnesses: SyncHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** A job whose secret is the key alone: a key of user READER, 5 days left on the server's clock. */
async function plainKeyJob(label: string, env: Record<string, string> = { APP_KEY_NAME: KEY_NAME }) {
  const h = await startSyncHarness(label, { env });
  harnesses.push(h);
  const expiresAtMs = Math.floor(h.sim.clock.nowMs()) + 5 * DAY_MS;
  const { keyId } = h.sim.keys.add({ name: KEY_NAME, user: READER, expiresAtMs });
  h.sim.keys.grant(READER, 'QueryStreamEntriesWithData');
  writeFileSync(h.keyFile, keyId);
  h.sim.stream.generate(50);
  return h;
}

const published = (h: SyncHarness) => ({
  days: h.metrics.values('AppKeyDaysToExpiry'),
  unknown: h.metrics.values('AppKeyExpiryUnknown'),
});
const expiryLookups = (h: SyncHarness) => h.sim.requests.list({ service: 'GetExpirationDate' });

/** Takes the job's lease as another invocation would, so the next run skips. */
async function holdTheLock(h: SyncHarness) {
  const held = await h.deps.lock.acquire(h.job, { requestId: 'another-invocation', remainingTimeMs: 60_000 });
  expect(held.status).toBe('acquired');
}

describe('a plain-string secret', () => {
  it("publishes AppKeyDaysToExpiry from the key's own GetExpirationDate when its user may call it", async () => {
    const h = await plainKeyJob('expiry-permitted');
    h.sim.keys.grant(READER, 'GetExpirationDate');

    const summary = await h.run();

    expect(summary.outcome).toBe('succeeded');
    expect(expiryLookups(h).map((r) => [r.path, r.status])).toEqual([
      [`/Thingworx/ApplicationKeys/${KEY_NAME}/Services/GetExpirationDate`, 200],
    ]);
    const { days, unknown } = published(h);
    expect(days).toHaveLength(1);
    expect(days[0]).toBeGreaterThan(4.99);
    expect(days[0]).toBeLessThanOrEqual(5);
    expect(unknown).toEqual([0]);
  });

  it('publishes AppKeyExpiryUnknown = 1 when the server refuses, says why once, and the run is not denied', async () => {
    const h = await plainKeyJob('expiry-refused');

    const first = await h.run();
    const second = await h.run();

    expect([first.outcome, second.outcome]).toEqual(['succeeded', 'succeeded']);
    expect(expiryLookups(h).map((r) => r.status)).toEqual([403, 403]);
    expect(published(h)).toEqual({ days: [], unknown: [1, 1] });
    expect(h.metrics.count('AuthFailure')).toBe(0);
    expect(h.logger.recorded.filter((l) => l.message.startsWith('Access denied'))).toEqual([]);
    expect(
      h.logger.recorded.filter((l) => l.message.startsWith('Key rejected and secret unchanged')),
    ).toEqual([]);
    const why = h.logger.recorded.filter((l) => l.message.startsWith('The app key expiry is unknown'));
    expect(why).toHaveLength(1);
    expect(String(why[0]?.attributes.why)).toContain(
      `GetExpirationDate of application key ${KEY_NAME} (HTTP 403)`,
    );
    expect((await h.ledgerItems()).map((item) => item.authFailureCauses)).toEqual([undefined, undefined]);
  });

  it('publishes AppKeyExpiryUnknown = 1 without asking when nothing names the key', async () => {
    const h = await plainKeyJob('expiry-unnamed', {});

    expect((await h.run()).outcome).toBe('succeeded');

    expect(expiryLookups(h)).toEqual([]);
    expect(published(h)).toEqual({ days: [], unknown: [1] });
  });
});

describe('a skipped run (lock held)', () => {
  it('publishes the days the server last answered for this key version, asking it nothing', async () => {
    const h = await plainKeyJob('expiry-skip-remembered');
    h.sim.keys.grant(READER, 'GetExpirationDate');
    await h.run();
    h.metrics.recorded.splice(0);
    await holdTheLock(h);

    const skipped = await h.run();

    expect(skipped.outcome).toBe('skipped');
    expect(expiryLookups(h)).toHaveLength(1); // the first run's
    expect(published(h).days).toHaveLength(1);
    expect(published(h).unknown).toEqual([0]);
  });

  it("publishes the secret's expiresAt", async () => {
    const h = await startSyncHarness('expiry-skip-secret'); // its key file gives expiresAt
    harnesses.push(h);
    await holdTheLock(h);

    const skipped = await h.run();

    expect(skipped.outcome).toBe('skipped');
    expect(h.sim.requests.count()).toBe(0);
    expect(published(h).days).toHaveLength(1);
    expect(published(h).days[0]).toBeGreaterThan(0.99);
    expect(published(h).unknown).toEqual([0]);
  });

  it('publishes AppKeyExpiryUnknown = 1 for a key nothing names', async () => {
    const h = await plainKeyJob('expiry-skip-unnamed', {});
    await holdTheLock(h);

    expect((await h.run()).outcome).toBe('skipped');

    expect(published(h)).toEqual({ days: [], unknown: [1] });
  });
});

describe('the finding the job-health check reads', () => {
  const kept = async (h: SyncHarness) =>
    (
      await h.db.documentClient.send(
        new GetCommand({ TableName: h.db.tables.controlTable, Key: controlKeys.appKeyExpiry(h.job) }),
      )
    ).Item;

  it("keeps the key's expiry in the job's partition when the run knows it, and why not when it cannot", async () => {
    const known = await plainKeyJob('expiry-kept');
    known.sim.keys.grant(READER, 'GetExpirationDate');
    await known.run();
    const knownItem = await kept(known);
    expect(knownItem?.status).toBe('known');
    expect(Number(knownItem?.expiresAtMs)).toBeGreaterThan(known.sim.clock.nowMs() + 4.99 * DAY_MS);

    const refused = await plainKeyJob('expiry-kept-unknown');
    await refused.run();
    const unknownItem = await kept(refused);
    expect(unknownItem?.status).toBe('unknown');
    expect(String(unknownItem?.why)).toContain('GetExpirationDate');
  });
});
