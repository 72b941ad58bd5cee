// The fake must behave like Secrets Manager where rotation depends on it, or the rotation tests prove
// nothing: these pin the staging-label rules and errors the rotation code relies on.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { FakeSecretsManager } from '../../support/fake-secrets-manager.js';

function secretWithPendingVersion() {
  const fake = new FakeSecretsManager();
  const arn = fake.createSecret('job', 'v1-value');
  const original = fake.versionIdWithStage('job', 'AWSCURRENT') ?? '';
  const token = fake.startRotation('job', 'token-1');
  return { fake, client: fake.client, arn, original, token };
}

describe('fake Secrets Manager', () => {
  it('lists the version RotateSecret created as AWSPENDING before it has a value', async () => {
    const { client, arn, original, token } = secretWithPendingVersion();
    const described = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.VersionIdsToStages).toEqual({ [original]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers ResourceNotFoundException when VersionId and VersionStage name different versions', async () => {
    const { client, original } = secretWithPendingVersion();
    await expect(
      client.send(
        new GetSecretValueCommand({ SecretId: 'job', VersionId: original, VersionStage: 'AWSPENDING' }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('makes a PutSecretValue with the same token and value a no-op, and a different value an error', async () => {
    const { client, token } = secretWithPendingVersion();
    const put = (value: string) =>
      client.send(
        new PutSecretValueCommand({
          SecretId: 'job',
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: ['AWSPENDING'],
        }),
      );
    await put('v2-value');
    await expect(put('v2-value')).resolves.toMatchObject({ VersionId: token });
    await expect(put('other')).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('moves AWSPREVIOUS to the version AWSCURRENT left', async () => {
    const { fake, client, original, token } = secretWithPendingVersion();
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'job',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: original,
      }),
    );
    expect(fake.stages('job')).toEqual({
      [original]: ['AWSPREVIOUS'],
      [token]: ['AWSCURRENT', 'AWSPENDING'],
    });
  });

  it('refuses to move a label attached elsewhere without RemoveFromVersionId', async () => {
    const { client, token } = secretWithPendingVersion();
    await expect(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'job',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('never records a secret value among the calls it saw', async () => {
    const { fake, client, token } = secretWithPendingVersion();
    await client.send(
      new PutSecretValueCommand({ SecretId: 'job', ClientRequestToken: token, SecretString: 'v2-value' }),
    );
    expect(JSON.stringify(fake.calls)).not.toContain('v2-value');
  });
});
