// The rotation against ThingWorx as it really answers: CreateApplicationKey with its declared inputs
// (user, whitelist), and a key that is gone answered 403 instead of 404 (`notFoundAsForbidden`), which
// the rotation must read as gone, never as a refused admin key, while a real denial stays one.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdminKeyDeniedError, PendingKeyRejectedError } from '../../../functions/rotate-key/errors.js';
import { everythingAbout } from '../../support/capture-logs.js';
import {
  INITIAL_KEY_NAME,
  JOB_SECRET,
  KEY_USER,
  leakedKeys,
  type RotationHarness,
  rotationHarnessPerTest,
} from './support.js';

const harness = rotationHarnessPerTest();

const logged = (h: RotationHarness, message: string) =>
  h.logger.recorded.filter((line) => line.message === message);
const accessDenials = (h: RotationHarness) =>
  h.logger.recorded.filter((line) => line.message.startsWith('Access denied'));

describe('key rotation against the ThingWorx answers', () => {
  it('creates the key with its user and IP allowlist under the names CreateApplicationKey declares', async () => {
    const h = await harness({ env: { ROTATION_IP_ALLOWLIST: '127.0.0.1' } });

    const token = await h.rotate();

    const created = h.sim.requests.list({ service: 'CreateApplicationKey' });
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toEqual({
      name: `demo-${token}`,
      user: KEY_USER,
      expirationDate: expect.any(Number),
      whitelist: '127.0.0.1',
    });
    expect(h.sim.keys.list().find((key) => key.name === `demo-${token}`)).toMatchObject({
      user: KEY_USER,
      ipWhitelist: ['127.0.0.1'],
    });
  });

  it('finishes when the key before the replaced one is already gone and ThingWorx answers 403 for it', async () => {
    const h = await harness();
    await h.rotate();
    h.sim.keys.remove(INITIAL_KEY_NAME); // deleted by hand before the next rotation
    h.sim.faults.set({ kind: 'notFoundAsForbidden' });

    await h.rotate();

    expect(logged(h, 'The key before it is already gone')).toHaveLength(1);
    expect(h.sim.requests.count({ fault: 'notFoundAsForbidden' })).toBeGreaterThanOrEqual(1);
    expect(accessDenials(h)).toEqual([]);
    expect(h.metrics.count('AuthFailure')).toBe(0);
  });

  it('fails testSecret for a pending key deleted on the server as missing, not as a refused admin key', async () => {
    const h = await harness();
    const token = randomUUID();
    h.secrets.startRotation(JOB_SECRET, token);
    await h.step(token, 'createSecret');
    h.sim.keys.remove(`demo-${token}`);
    h.sim.faults.set({ kind: 'notFoundAsForbidden' });

    const error = await h.step(token, 'testSecret').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PendingKeyRejectedError);
    expect((error as PendingKeyRejectedError).reason).toBe('pending-key-missing');
    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).not.toBe(token);
    expect(leakedKeys(everythingAbout(error), h.keyValues())).toEqual([]);
  });

  it('still fails with the admin key refused when its user may not call the service on a key that exists', async () => {
    const h = await harness();
    const token = randomUUID();
    h.secrets.startRotation(JOB_SECRET, token);
    await h.step(token, 'createSecret');
    h.sim.keys.deny('Administrator', 'IsExpired');
    h.sim.faults.set({ kind: 'notFoundAsForbidden' });

    const error = await h.step(token, 'testSecret').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminKeyDeniedError);
    expect((error as Error).message).toMatch(/IsExpired refused the admin key/);
  });
});
