// Issue 13 items 2 and 5, against the simulator's key services over loopback and the in-memory Secrets
// Manager: a rotation retires only keys it created itself (its prefix, recorded in a version it wrote), and
// refuses an event for any secret but its own before it changes anything.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RotationEventError } from '../../../functions/rotate-key/errors.js';
import { rotateKey } from '../../../functions/rotate-key/rotation-steps.js';
import {
  HAND_PUT_KEY_NAME,
  JOB_SECRET,
  KEY_USER,
  type RotationHarness,
  rotationHarnessPerTest,
} from './support.js';

const harness = rotationHarnessPerTest();

const keyOnServer = (h: RotationHarness, name: string) => h.sim.keys.list().find((key) => key.name === name);
const adminKeyName = (h: RotationHarness) =>
  h.sim.keys.list().find((key) => key.name.startsWith('rotation-admin-'))?.name ?? '';
const leftAloneWarnings = (h: RotationHarness) =>
  h.logger.recorded.filter((line) => line.message === 'Old key left alone: this rotation did not create it');

/** What an operator (or anyone with PutSecretValue) does: a new AWSCURRENT version with any JSON in it. */
function putByHand(h: RotationHarness, value: Record<string, unknown>, versionId = randomUUID()): void {
  h.secrets.answer('PutSecretValueCommand', {
    SecretId: JOB_SECRET,
    ClientRequestToken: versionId,
    SecretString: JSON.stringify(value),
  });
}

describe('a rotation retires only the keys it created', () => {
  it('leaves a key put by hand alone, and does not record it for deletion later', async () => {
    const h = await harness({ initialKeyByHand: true });
    const before = keyOnServer(h, HAND_PUT_KEY_NAME);

    await h.rotate();
    expect(h.secrets.valueAt(JOB_SECRET, 'AWSCURRENT')?.previousKeyName).toBeUndefined();
    await h.rotate();
    await h.rotate();

    expect(keyOnServer(h, HAND_PUT_KEY_NAME)).toEqual(before);
    expect(leftAloneWarnings(h)[0]?.attributes).toMatchObject({ keyName: HAND_PUT_KEY_NAME });
  });

  it('never expires or deletes the admin key when an operator puts its name in the secret', async () => {
    const h = await harness();
    const admin = adminKeyName(h);
    const adminBefore = keyOnServer(h, admin);
    const live = h.secrets.valueAt(JOB_SECRET, 'AWSCURRENT') ?? {};
    // The typo the README used to show, with the admin key's name in both fields.
    putByHand(h, { ...live, keyName: admin, previousKeyName: admin });

    await h.rotate();
    await h.rotate();

    expect(keyOnServer(h, admin)).toEqual(adminBefore);
    expect(h.sim.requests.count({ service: 'DeleteApplicationKey' })).toBe(0);
    expect(leftAloneWarnings(h).map((line) => line.attributes.keyName)).toContain(admin);
  });

  it("never deletes another system's key recorded as previousKeyName, even in a version that looks rotated", async () => {
    const h = await harness();
    const other = h.sim.keys.add({ name: 'erp-integration', user: KEY_USER });
    const forged = randomUUID();
    // Version id and key name agree, as in a version a rotation wrote; the key before it is not ours.
    h.sim.keys.add({ name: `demo-${forged}`, user: KEY_USER });
    putByHand(
      h,
      {
        appKey: h.sim.keys.keyIdOf(`demo-${forged}`),
        keyName: `demo-${forged}`,
        previousKeyName: other.name,
      },
      forged,
    );

    await h.rotate();

    expect(keyOnServer(h, other.name)).toMatchObject({ expired: false, revoked: false });
    expect(leftAloneWarnings(h)[0]?.attributes).toMatchObject({
      keyName: 'erp-integration',
      why: expect.stringContaining("does not start with this job's prefix demo-"),
    });
  });

  it('still expires and then deletes its own keys', async () => {
    const h = await harness({ initialKeyByHand: true });
    const first = await h.rotate();
    const second = await h.rotate();
    expect(keyOnServer(h, `demo-${first}`)?.expiresAtMs).toBeLessThan(Date.now() + 3_600_000);
    await h.rotate();
    expect(keyOnServer(h, `demo-${first}`)).toBeUndefined();
    expect(keyOnServer(h, `demo-${second}`)).toBeDefined();
  });
});

describe('a rotation acts only on its configured secret', () => {
  it('refuses an event for another secret with a clear error, before any call', async () => {
    const h = await harness();
    const other = h.secrets.createSecret('syncwarden/other-job/app-key', JSON.stringify({ appKey: 'x' }), {
      rotationEnabled: true,
    });
    const token = h.secrets.startRotation('syncwarden/other-job/app-key');
    const stagesBefore = h.secrets.stages('syncwarden/other-job/app-key');
    const requestsBefore = h.sim.requests.count();

    const refused = await rotateKey(
      h.deps,
      { SecretId: other, ClientRequestToken: token, Step: 'createSecret' },
      { deadlineEpochMs: Date.now() + 20_000 },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(RotationEventError);
    expect((refused as Error).message).toBe(
      `event.SecretId ${other} is not the secret this function rotates (ROTATION_SECRET_ID ${JOB_SECRET}); nothing was changed. Each job's rotation function rotates only its own secret`,
    );
    expect(h.secrets.stages('syncwarden/other-job/app-key')).toEqual(stagesBefore);
    expect(h.sim.requests.count()).toBe(requestsBefore);
  });

  it('accepts the complete ARN Secrets Manager sends for the configured name', async () => {
    const h = await harness();
    await h.rotate(); // h.step sends h.secretArn, the name's complete ARN
    expect(h.metrics.count('KeyRotated')).toBe(1);
  });
});
