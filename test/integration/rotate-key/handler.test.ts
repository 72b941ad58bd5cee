// The deployed entry point: configuration from the environment at cold start, middy + Powertools
// around the steps, real Powertools log and metric output. Secrets Manager calls made by the handler's
// own client are routed to the in-memory fake.
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  PutSecretValueCommand,
  type PutSecretValueCommandOutput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROTATION_STEPS } from '../../../functions/rotate-key/rotation-event.js';
import { captureOutput, everythingAbout } from '../../support/capture-logs.js';
import {
  ADMIN_SECRET,
  JOB_SECRET,
  KEY_USER,
  leakedKeys,
  type RotationHarness,
  startRotationHarness,
} from './support.js';

const secretsManager = mockClient(SecretsManagerClient);
let h: RotationHarness;

function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: 'syncwarden-rotate-key',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:syncwarden-rotate-key',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/syncwarden-rotate-key',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function importHandler(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import('../../../functions/rotate-key/handler.js')).handler;
}

beforeEach(async () => {
  h = await startRotationHarness();
  secretsManager.reset();
  const answer = (command: string, input: object) => ({ $metadata: {}, ...h.secrets.answer(command, input) });
  secretsManager
    .on(DescribeSecretCommand)
    .callsFake((input) => answer('DescribeSecretCommand', input) as DescribeSecretCommandOutput);
  secretsManager
    .on(GetSecretValueCommand)
    .callsFake((input) => answer('GetSecretValueCommand', input) as GetSecretValueCommandOutput);
  secretsManager
    .on(PutSecretValueCommand)
    .callsFake((input) => answer('PutSecretValueCommand', input) as PutSecretValueCommandOutput);
  secretsManager
    .on(UpdateSecretVersionStageCommand)
    .callsFake(
      (input) => answer('UpdateSecretVersionStageCommand', input) as UpdateSecretVersionStageCommandOutput,
    );
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await h.close();
});

const ENV = () => ({
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_SERVICE_NAME: 'syncwarden-rotate-key',
  ENDPOINT_BASE_URL: h.sim.baseUrl,
  ADMIN_SECRET_ID: ADMIN_SECRET,
  ROTATION_SECRET_ID: JOB_SECRET,
  ROTATION_JOB_NAME: 'demo',
  ROTATION_KEY_USER: KEY_USER,
  ROTATION_INTERVAL_DAYS: '7',
  ROTATION_TEST_THING: h.sim.thing,
});

describe('rotation Lambda handler', () => {
  it('runs the four steps from Secrets Manager events and logs them without any key value', async () => {
    const handler = await importHandler(ENV());
    const token = h.secrets.startRotation(JOB_SECRET);
    const output = captureOutput();
    try {
      for (const step of ROTATION_STEPS) {
        await handler({ SecretId: h.secretArn, ClientRequestToken: token, Step: step }, lambdaContext(step));
      }
    } finally {
      output.restore();
    }

    expect(h.secrets.versionIdWithStage(JOB_SECRET, 'AWSCURRENT')).toBe(token);
    const lines = output.jsonLines();
    expect(lines.filter((line) => line.message === 'Rotation step finished')).toHaveLength(4);
    expect(lines.some((line) => JSON.stringify(line).includes('"KeyRotated"'))).toBe(true);
    expect(leakedKeys(output.text(), h.keyValues())).toEqual([]);
  });

  it('fails a step with the cause and no key value when the pending key is refused', async () => {
    const handler = await importHandler({ ...ENV(), ROTATION_KEY_USER: 'userWithoutGrants' });
    const token = h.secrets.startRotation(JOB_SECRET);
    const output = captureOutput();
    let failure: unknown;
    try {
      await handler(
        { SecretId: h.secretArn, ClientRequestToken: token, Step: 'createSecret' },
        lambdaContext('c'),
      );
      failure = await handler(
        { SecretId: h.secretArn, ClientRequestToken: token, Step: 'testSecret' },
        lambdaContext('t'),
      ).then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      output.restore();
    }

    expect((failure as { reason?: string }).reason).toBe('pending-key-permission-denied');
    expect(leakedKeys(`${output.text()}\n${everythingAbout(failure)}`, h.keyValues())).toEqual([]);
  });

  it('answers the daily check event with AdminKeyDaysToExpiry for its job, and rotates nothing', async () => {
    const admin = h.secrets.valueAt(ADMIN_SECRET, 'AWSCURRENT') ?? {};
    const expiresAt = new Date(Date.now() + 10 * 86_400_000).toISOString();
    h.secrets.answer('PutSecretValueCommand', {
      SecretId: ADMIN_SECRET,
      SecretString: JSON.stringify({ ...admin, expiresAt }),
    });
    const handler = await importHandler(ENV());
    const stagesBefore = h.secrets.stages(JOB_SECRET);
    const requestsBefore = h.sim.requests.count();
    const output = captureOutput();
    try {
      await handler({ check: 'admin-key-expiry' }, lambdaContext('check'));
    } finally {
      output.restore();
    }

    const emf = output
      .jsonLines()
      .find((line) => JSON.stringify(line).includes('"AdminKeyDaysToExpiry"')) as Record<string, unknown>;
    expect(emf).toMatchObject({ Job: 'demo', service: 'syncwarden-rotate-key' });
    expect(Number(emf.AdminKeyDaysToExpiry)).toBeCloseTo(10, 1);
    expect(h.secrets.stages(JOB_SECRET)).toEqual(stagesBefore);
    expect(h.sim.requests.count()).toBe(requestsBefore);
    expect(leakedKeys(output.text(), h.keyValues())).toEqual([]);
  });

  it('refuses a rotation event for a secret other than ROTATION_SECRET_ID', async () => {
    const handler = await importHandler({ ...ENV(), ROTATION_SECRET_ID: 'syncwarden/other/app-key' });
    const token = h.secrets.startRotation(JOB_SECRET);
    await expect(
      handler({ SecretId: h.secretArn, ClientRequestToken: token, Step: 'createSecret' }, lambdaContext('c')),
    ).rejects.toThrow(
      /is not the secret this function rotates \(ROTATION_SECRET_ID syncwarden\/other\/app-key\); nothing was changed/,
    );
    expect(h.sim.requests.count({ service: 'CreateApplicationKey' })).toBe(0);
    expect(h.secrets.valueAt(JOB_SECRET, 'AWSPENDING')).toBeUndefined();
  });

  it('fails at cold start with the name of a missing variable', async () => {
    await expect(importHandler({ ...ENV(), ADMIN_SECRET_ID: '' })).rejects.toThrow(
      /^ADMIN_SECRET_ID: expected/,
    );
  });
});
