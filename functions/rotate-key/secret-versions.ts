// The Secrets Manager calls a rotation makes on the job's secret, behind one small adapter: read the
// version stages, read a version's value, write AWSPENDING, move AWSCURRENT. SDK errors pass through
// unchanged (they carry names and request ids, never secret values).
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface SecretMetadata {
  readonly rotationEnabled: boolean;
  /** Version id → its staging labels (versions without a label are left out, as DescribeSecret does). */
  readonly stagesByVersion: Readonly<Record<string, readonly string[]>>;
}

export type VersionSelector =
  | { readonly versionId: string; readonly stage?: string }
  | { readonly stage: string; readonly versionId?: undefined };

export class SecretVersions {
  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    readonly secretId: string,
  ) {}

  async describe(): Promise<SecretMetadata> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return {
      rotationEnabled: out.RotationEnabled === true,
      stagesByVersion: out.VersionIdsToStages ?? {},
    };
  }

  /**
   * The value of one version, or undefined when there is none: no such version, the version does not
   * carry the stage asked for, or it has no value yet (RotateSecret creates the AWSPENDING version id
   * before createSecret writes its value).
   */
  async value(selector: VersionSelector): Promise<{ versionId: string; secretString: string } | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({
          SecretId: this.secretId,
          ...(selector.versionId === undefined ? {} : { VersionId: selector.versionId }),
          ...(selector.stage === undefined ? {} : { VersionStage: selector.stage }),
        }),
      );
      const secretString =
        out.SecretString ??
        (out.SecretBinary === undefined ? undefined : Buffer.from(out.SecretBinary).toString('utf8'));
      if (secretString === undefined || !out.VersionId) return undefined;
      return { versionId: out.VersionId, secretString };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Writes the pending version; the token makes a retried put of the same value a no-op. */
  async putPending(token: string, secretString: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: this.secretId,
        ClientRequestToken: token,
        SecretString: secretString,
        VersionStages: [AWSPENDING],
      }),
    );
  }

  /** Moves AWSCURRENT; Secrets Manager moves AWSPREVIOUS to `fromVersionId` by itself. */
  async makeCurrent(toVersionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: AWSCURRENT,
        MoveToVersionId: toVersionId,
        ...(fromVersionId === undefined ? {} : { RemoveFromVersionId: fromVersionId }),
      }),
    );
  }
}

/** The version carrying `stage`, if any. */
export function versionWithStage(metadata: SecretMetadata, stage: string): string | undefined {
  return Object.entries(metadata.stagesByVersion).find(([, stages]) => stages.includes(stage))?.[0];
}
