// A rotation seen from the sync: the real sync job (DynamoDB Local, the simulator over loopback) reads
// its key through the production Secrets Manager key source and cache, pointed at the fake that the
// rotation writes to. A rotation must never fail a run, and a failed rotation must not touch the sync.
import { afterEach, describe, expect, it } from 'vitest';
import { CachedKeySource } from '../../../functions/app-key/cached-key-source.js';
import { SecretsManagerKeySource } from '../../../functions/app-key/secrets-manager-source.js';
import { PendingKeyRejectedError } from '../../../functions/rotate-key/errors.js';
import { createSyncDependencies } from '../../../functions/sync/dependencies.js';
import { loadSyncConfig } from '../../../functions/sync/sync-config.js';
import type { SyncJobDependencies } from '../../../functions/sync/sync-job.js';
import { type SyncHarness, startSyncHarness, withReadHooks } from '../../support/sync-harness.js';
import {
  INITIAL_KEY_NAME,
  JOB_SECRET,
  OLD_KEY_GRACE_MS,
  type RotationHarness,
  startRotationHarness,
} from './support.js';

interface Setup {
  readonly sync: SyncHarness;
  readonly rotation: RotationHarness;
  /** Sync dependencies whose key comes from the job secret (cached 5 min, as deployed). */
  readonly deps: SyncJobDependencies;
}

const setups: Setup[] = [];
afterEach(async () => {
  for (const { sync, rotation } of setups.splice(0)) {
    await rotation.close();
    await sync.close();
  }
});

async function setup(label: string, rotationEnv?: Record<string, string>): Promise<Setup> {
  const sync = await startSyncHarness(label);
  const rotation = await startRotationHarness({
    sim: sync.sim,
    ...(rotationEnv ? { env: rotationEnv } : {}),
  });
  const config = loadSyncConfig({
    SYNC_JOB_NAME: sync.job,
    CONTROL_TABLE_NAME: sync.db.tables.controlTable,
    RECORDS_TABLE_NAME: sync.db.tables.recordsTable,
    ENDPOINT_BASE_URL: sync.sim.baseUrl,
    ENDPOINT_THING: sync.sim.thing,
    APP_KEY_SECRET_ID: rotation.secretArn,
    PAGE_SIZE: '100',
    REQUEST_TIMEOUT_MS: '2000',
  });
  const keySource = new CachedKeySource(
    new SecretsManagerKeySource({ client: rotation.secrets.client, secretId: rotation.secretArn }),
    { clock: sync.clock },
  );
  const deps = createSyncDependencies(config, {
    keySource,
    documentClient: sync.db.documentClient,
    clock: sync.clock,
    metrics: sync.metrics,
    logger: sync.logger,
  });
  const created = { sync, rotation, deps };
  setups.push(created);
  return created;
}

/** Names of the keys the sync's page requests authenticated with (testSecret's one-row read left out). */
const queryKeyNames = (sync: SyncHarness) =>
  sync.sim.requests
    .list({ service: 'QueryStreamEntriesWithData' })
    .filter((request) => (request.body as { maxItems?: unknown } | undefined)?.maxItems === 100)
    .map((request) => request.keyName);

describe('sync during a key rotation', () => {
  it('completes a run that started with the old key while a whole rotation happens mid-run', async () => {
    const { sync, rotation, deps } = await setup('rot-mid-run');
    sync.sim.stream.generate(450);
    let token = '';
    const rotatingDeps = withReadHooks(deps, {
      before: async (read) => {
        if (read === 2) token = await rotation.rotate();
      },
    });

    const summary = await sync.run({ deps: rotatingDeps });

    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 450 });
    expect(rotation.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
    expect(new Set(queryKeyNames(sync))).toEqual(new Set([INITIAL_KEY_NAME])); // the cached old key throughout
    expect(sync.metrics.count('AuthFailure')).toBe(0);
    expect(sync.metrics.count('RunFailed')).toBe(0);
  });

  it('keeps using the cached old key right after finishSecret, then the new key once the grace period is over', async () => {
    const { sync, rotation, deps } = await setup('rot-grace');
    sync.sim.stream.generate(150);
    await sync.run({ deps });
    const token = await rotation.rotate();
    const oldKey = sync.sim.keys.keyIdOf(INITIAL_KEY_NAME) ?? '';

    sync.sim.requests.reset();
    expect((await sync.run({ deps })).outcome).toBe('succeeded');
    expect(new Set(queryKeyNames(sync))).toEqual(new Set([INITIAL_KEY_NAME]));

    // Time passes on both sides: the old key expires on the server and the sync's cache runs out.
    sync.sim.clock.setOffsetMs(OLD_KEY_GRACE_MS + 1_000);
    sync.clock.shiftMs = OLD_KEY_GRACE_MS + 1_000;
    sync.sim.stream.append({ timestamp: sync.sim.clock.nowMs() - 1_000 });
    sync.sim.requests.reset();
    const afterGrace = await sync.run({ deps });

    expect(afterGrace).toMatchObject({ outcome: 'succeeded', recordsWritten: expect.any(Number) });
    expect(new Set(queryKeyNames(sync))).toEqual(new Set([`demo-${token}`]));
    const oldKeyAnswer = await fetch(sync.sim.queryUrl, {
      method: 'POST',
      headers: { appKey: oldKey, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
    });
    await oldKeyAnswer.body?.cancel();
    expect(oldKeyAnswer.status).toBe(401);
    expect(sync.metrics.count('AuthFailure')).toBe(0);
    expect((await sync.gapReport()).missingKeys).toEqual([]);
  });

  it('fails testSecret with the permission cause and leaves AWSCURRENT and the sync untouched', async () => {
    // The rotation is misconfigured to make keys for a user that may not read the stream.
    const { sync, rotation, deps } = await setup('rot-test-fails', { ROTATION_KEY_USER: 'reportingUser' });
    sync.sim.stream.generate(120);
    const currentBefore = rotation.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT');
    const token = rotation.secrets.startRotation(JOB_SECRET);
    await rotation.step(token, 'createSecret');
    await rotation.step(token, 'setSecret');

    const failure = await rotation.step(token, 'testSecret').then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(PendingKeyRejectedError);
    expect((failure as PendingKeyRejectedError).reason).toBe('pending-key-permission-denied');
    expect((failure as Error).message).toMatch(/user reportingUser.*Not authori[sz]ed/);
    expect(rotation.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(currentBefore);
    expect(sync.sim.keys.list().find((key) => key.name === INITIAL_KEY_NAME)?.expired).toBe(false);
    const summary = await sync.run({ deps });
    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 120 });
    expect(new Set(queryKeyNames(sync))).toEqual(new Set([INITIAL_KEY_NAME]));
  });

  it('completes the failed rotation without a second key once the cause is fixed and the same token is retried', async () => {
    const { sync, rotation } = await setup('rot-retry', { ROTATION_KEY_USER: 'reportingUser' });
    const token = rotation.secrets.startRotation(JOB_SECRET);
    await rotation.step(token, 'createSecret');
    await expect(rotation.step(token, 'testSecret')).rejects.toBeInstanceOf(PendingKeyRejectedError);

    sync.sim.keys.grant('reportingUser', 'QueryStreamEntriesWithData');
    await rotation.rotate(token); // Secrets Manager reattempts an incomplete rotation with its token

    expect(rotation.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
    expect(sync.sim.requests.count({ service: 'CreateApplicationKey' })).toBe(1);
  });
});
