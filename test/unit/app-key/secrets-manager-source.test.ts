import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KeySourceUnavailableError, MalformedSecretError } from '../../../functions/app-key/key-source.js';
import { SecretsManagerKeySource } from '../../../functions/app-key/secrets-manager-source.js';
import { everythingAbout } from '../../support/capture-logs.js';

const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ID = 'prod/thingworx/app-key';
const KEY = 'b7e2c4a1-93d0-4f6b-8e25-1c9a7f3d6e04';

function source() {
  return new SecretsManagerKeySource({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretId: SECRET_ID,
  });
}

describe('Secrets Manager key source', () => {
  beforeEach(() => {
    secretsManager.reset();
  });

  it('returns the key with the secret VersionId', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ appKey: KEY }), VersionId: 'ver-1' });
    await expect(source().get()).resolves.toEqual({ appKey: KEY, versionId: 'ver-1' });
  });

  it('asks for the secret by id only, so AWSCURRENT is implied and AWSPENDING never read', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY, VersionId: 'ver-1' });
    await source().refresh();
    const calls = secretsManager.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('reads the store on every refresh, so a put-secret-value is seen at once', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: KEY, VersionId: 'ver-1' })
      .resolves({ SecretString: 'new-key-value', VersionId: 'ver-2' });
    const keys = source();
    await keys.get();
    await expect(keys.refresh()).resolves.toMatchObject({ versionId: 'ver-2' });
  });

  it('names the secret and the AWS error when the secret cannot be read', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: 'Secrets Manager can’t find the specified secret.',
        $metadata: {},
      }),
    );
    const error = await source()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeySourceUnavailableError);
    expect((error as Error).message).toBe(
      `cannot read app key secret ${SECRET_ID}: ResourceNotFoundException`,
    );
  });

  it('reports a malformed secret by name without its value, in message and cause chain', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: `{"appKey":"${KEY}",`, VersionId: 'ver-1' });
    const error = await source()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedSecretError);
    expect((error as Error).message).toContain(SECRET_ID);
    expect(everythingAbout(error)).not.toContain(KEY);
  });

  it('decodes a binary secret as UTF-8', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: Buffer.from(KEY), VersionId: 'ver-3' });
    await expect(source().get()).resolves.toEqual({ appKey: KEY, versionId: 'ver-3' });
  });
});
