// KeySource backed by AWS Secrets Manager. Always reads the AWSCURRENT version by omitting
// VersionStage: naming a stage would break under IAM policies conditioned on it, and AWSPENDING
// holds a key that may not be live on the server yet.
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { AppKey, KeySource } from './key-source.js';
import { KeySourceUnavailableError, MalformedSecretError } from './key-source.js';
import { parseSecretValue } from './parse-secret.js';

export interface SecretsManagerKeySourceOptions {
  readonly client: Pick<SecretsManagerClient, 'send'>;
  /** Secret name or ARN (from the Lambda's environment; the value never is). */
  readonly secretId: string;
}

/** Uncached: every call is one GetSecretValue. Wrap it in `CachedKeySource`. */
export class SecretsManagerKeySource implements KeySource {
  constructor(private readonly options: SecretsManagerKeySourceOptions) {}

  describe(): string {
    return `secretsmanager:${this.options.secretId}`;
  }

  get(): Promise<AppKey> {
    return this.fetchCurrent();
  }

  refresh(): Promise<AppKey> {
    return this.fetchCurrent();
  }

  private async fetchCurrent(): Promise<AppKey> {
    const { secretId } = this.options;
    let response: GetSecretValueCommandOutput;
    try {
      response = await this.options.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      // SDK errors carry the name and request id only, never a secret value, so they can be kept as cause.
      const name = error instanceof Error ? error.name : 'unknown error';
      throw new KeySourceUnavailableError(`cannot read app key secret ${secretId}: ${name}`, {
        cause: error,
      });
    }
    const raw =
      response.SecretString ??
      (response.SecretBinary === undefined ? undefined : Buffer.from(response.SecretBinary).toString('utf8'));
    if (raw === undefined) throw new MalformedSecretError(secretId, 'the secret has no value');
    if (!response.VersionId)
      throw new MalformedSecretError(secretId, 'Secrets Manager returned no VersionId');
    return parseSecretValue(secretId, raw, response.VersionId);
  }
}
