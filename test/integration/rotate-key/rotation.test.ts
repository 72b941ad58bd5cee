// The four rotation steps against the simulator's key services over loopback HTTP, with Secrets
// Manager's version stages held by the in-memory fake: what each step leaves behind, that every step
// can be retried after it succeeded, and that the event is checked against the secret first.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RotationEventError } from '../../../functions/rotate-key/errors.js';
import { ROTATION_STEPS } from '../../../functions/rotate-key/rotation-event.js';
import { selfSignedCertificate } from '../../../infra/local/thingworx-simulator/tls.js';
import { captureOutput, everythingAbout } from '../../support/capture-logs.js';
import {
  INITIAL_KEY_NAME,
  JOB_SECRET,
  leakedKeys,
  liveKeyNames,
  OLD_KEY_GRACE_MS,
  type RotationHarness,
  rotationHarnessPerTest,
} from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const harness = rotationHarnessPerTest();

const createRequests = (h: RotationHarness) => h.sim.requests.count({ service: 'CreateApplicationKey' });

async function queryStatus(h: RotationHarness, appKey: string): Promise<number> {
  const response = await fetch(h.sim.queryUrl, {
    method: 'POST',
    headers: { appKey, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ maxItems: 1 }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('key rotation steps', () => {
  it('makes a new working key named after the token AWSCURRENT and keeps the old version as AWSPREVIOUS', async () => {
    const h = await harness();
    const originalVersion = h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT');
    const startedAtMs = Date.now();

    const token = await h.rotate();

    const current = h.secrets.valueAt(JOB_SECRET, 'AWSCURRENT');
    const keyName = `demo-${token}`;
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSPREVIOUS')).toBe(originalVersion);
    expect(current).toMatchObject({ keyName, previousKeyName: INITIAL_KEY_NAME });
    expect(current?.appKey).toBe(h.sim.keys.keyIdOf(keyName));
    expect(await queryStatus(h, String(current?.appKey))).toBe(200);
    const onServer = h.sim.keys.list().find((key) => key.name === keyName);
    expect(onServer?.user).toBe('syncUser');
    // expiresAt in the secret is the server's expiry: interval (7 d) + margin (48 h).
    expect(Date.parse(String(current?.expiresAt))).toBe(onServer?.expiresAtMs);
    expect(onServer?.expiresAtMs).toBeGreaterThanOrEqual(startedAtMs + 9 * DAY_MS);
    // No Job dimension (a series per job for a count no alarm reads): the log line names the job.
    expect(h.metrics.named('KeyRotated').map((m) => m.dimensions)).toEqual([{}]);
  });

  it('carries the proxy credentials and extra CAs beside the key into every new version', async () => {
    const { certPem } = await selfSignedCertificate();
    const connection = {
      proxy: { username: 'svc-sync', password: 'proxy-pass-8d1f' },
      caCertificatesPem: certPem,
    };
    const h = await harness({ initialSecretFields: connection });

    await h.rotate();
    await h.rotate();

    // Without them the syncs behind an authenticating proxy would fail with proxy-auth after a rotation.
    expect(h.secrets.valueAt(JOB_SECRET, 'AWSCURRENT')).toMatchObject(connection);
  });

  it('leaves the replaced key alive for the grace period only', async () => {
    const h = await harness();
    const finishedBeforeMs = Date.now();
    await h.rotate();

    const old = h.sim.keys.list().find((key) => key.name === INITIAL_KEY_NAME);
    expect(old?.expiresAtMs).toBeGreaterThanOrEqual(finishedBeforeMs + OLD_KEY_GRACE_MS);
    expect(old?.expiresAtMs).toBeLessThanOrEqual(Date.now() + OLD_KEY_GRACE_MS);
  });

  it('keeps at most two keys alive over many rotations: each finish deletes the key before the replaced one', async () => {
    const h = await harness();
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push(await h.rotate());

    const names = h.sim.keys
      .list()
      .map((key) => key.name)
      .filter((name) => !name.startsWith('rotation-admin-'))
      .sort();
    expect(names).toEqual([`demo-${tokens[2]}`, `demo-${tokens[3]}`].sort());
    expect(liveKeyNames(h.sim)).toEqual(names);
  });

  it('does nothing new when each step is retried after it succeeded', async () => {
    const h = await harness();
    const token = randomUUID();
    h.secrets.startRotation(JOB_SECRET, token);

    for (const step of ROTATION_STEPS) {
      await h.step(token, step);
      const stagesAfterFirst = h.secrets.stages(JOB_SECRET);
      const keysAfterFirst = h.sim.keys.list().map(({ name, expired }) => ({ name, expired }));
      const pendingAfterFirst = h.secrets.valueAt(JOB_SECRET, 'AWSPENDING');

      await h.step(token, step);

      expect(h.secrets.stages(JOB_SECRET), `stages after ${step} twice`).toEqual(stagesAfterFirst);
      expect(h.sim.keys.list().map(({ name, expired }) => ({ name, expired }))).toEqual(keysAfterFirst);
      expect(h.secrets.valueAt(JOB_SECRET, 'AWSPENDING')).toEqual(pendingAfterFirst);
    }
    expect(createRequests(h)).toBe(1);
    expect(h.metrics.count('KeyRotated')).toBe(1);
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
  });

  it('reuses the key an earlier createSecret made when storing it failed, so a retry leaks no key', async () => {
    const h = await harness();
    const token = randomUUID();
    h.secrets.startRotation(JOB_SECRET, token);
    h.secrets.failNext('PutSecretValueCommand', new Error('throttled'));

    await expect(h.step(token, 'createSecret')).rejects.toThrow('throttled');
    await h.step(token, 'createSecret');

    expect(createRequests(h)).toBe(1);
    expect(h.sim.keys.list().filter((key) => key.name === `demo-${token}`)).toHaveLength(1);
    expect(h.secrets.valueAt(JOB_SECRET, 'AWSPENDING')?.appKey).toBe(h.sim.keys.keyIdOf(`demo-${token}`));
  });

  it('finishes retiring the old key when finishSecret is retried after AWSCURRENT already moved', async () => {
    const h = await harness();
    const token = randomUUID();
    h.secrets.startRotation(JOB_SECRET, token);
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) await h.step(token, step);
    h.sim.faults.set({ kind: 'serverError', status: 500, path: 'SetExpirationDate' });

    await expect(h.step(token, 'finishSecret')).rejects.toThrow(/SetExpirationDate answered HTTP 500/);
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
    const untouched = h.sim.keys.list().find((key) => key.name === INITIAL_KEY_NAME)?.expiresAtMs ?? 0;
    expect(untouched - Date.now()).toBeGreaterThan(OLD_KEY_GRACE_MS);

    h.sim.faults.clear();
    await h.step(token, 'finishSecret');

    const shortened = h.sim.keys.list().find((key) => key.name === INITIAL_KEY_NAME)?.expiresAtMs ?? 0;
    expect(shortened - Date.now()).toBeLessThanOrEqual(OLD_KEY_GRACE_MS);
  });

  it('refuses a token that is not a version of the secret', async () => {
    const h = await harness();
    await expect(h.step(randomUUID(), 'createSecret')).rejects.toThrow(/has no staging label/);
    expect(createRequests(h)).toBe(0);
  });

  it('refuses to rotate a secret that does not have rotation enabled', async () => {
    const h = await harness();
    const token = h.secrets.startRotation(JOB_SECRET);
    h.secrets.setRotationEnabled(JOB_SECRET, false);
    await expect(h.step(token, 'createSecret')).rejects.toBeInstanceOf(RotationEventError);
    expect(createRequests(h)).toBe(0);
  });

  it('refuses a version that lost AWSPENDING to a newer rotation', async () => {
    const h = await harness();
    const token = h.secrets.startRotation(JOB_SECRET);
    await h.step(token, 'createSecret');
    h.secrets.startRotation(JOB_SECRET, randomUUID()); // an operator restarted the rotation with a new token

    await expect(h.step(token, 'testSecret')).rejects.toThrow(/has no staging label/);
  });

  it('refuses a version that is neither AWSPENDING nor AWSCURRENT', async () => {
    const h = await harness();
    const original = h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT') ?? '';
    await h.rotate();

    await expect(h.step(original, 'finishSecret')).rejects.toThrow(
      /is neither AWSPENDING nor AWSCURRENT \(it is AWSPREVIOUS\)/,
    );
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSPREVIOUS')).toBe(original);
  });

  it('fails with the admin secret named when the admin key is refused, creating nothing', async () => {
    const h = await harness();
    const adminName = h.sim.keys.list().find((key) => key.name.startsWith('rotation-admin-'))?.name ?? '';
    h.sim.keys.revoke(adminName);
    const token = h.secrets.startRotation(JOB_SECRET);

    await expect(h.step(token, 'createSecret')).rejects.toThrow(
      /refused the admin key.*syncwarden\/demo\/rotation-admin/,
    );
    expect(h.secrets.valueAt(JOB_SECRET, 'AWSPENDING')).toBeUndefined();
  });

  it('never puts a key value in a log line, metric, error or console output, failures included', async () => {
    const h = await harness({ env: { ROTATION_KEY_USER: 'userWithoutGrants' } });
    const output = captureOutput();
    const errors: unknown[] = [];
    try {
      const token = h.secrets.startRotation(JOB_SECRET);
      await h.step(token, 'createSecret');
      await h.step(token, 'testSecret').catch((error: unknown) => errors.push(error));
      h.sim.keys.grant('userWithoutGrants', 'QueryStreamEntriesWithData');
      await h.step(token, 'testSecret');
      h.sim.faults.set({ kind: 'serverError', status: 500, path: 'DeleteApplicationKey' });
      await h.step(token, 'finishSecret');
      await h.rotate().catch((error: unknown) => errors.push(error));
    } finally {
      output.restore();
    }

    expect(errors).toHaveLength(2);
    const everything = [
      output.text(),
      h.logger.text(),
      JSON.stringify(h.metrics.recorded),
      ...errors.map(everythingAbout),
    ].join('\n');
    expect(leakedKeys(everything, h.keyValues())).toEqual([]);
    expect(h.keyValues().length).toBeGreaterThanOrEqual(4);
  });
});
