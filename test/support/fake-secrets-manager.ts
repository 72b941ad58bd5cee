// An in-memory Secrets Manager behind a real SecretsManagerClient: a middleware answers each command
// before anything is serialised or signed, so code under test talks to it through `send(command)`
// exactly as in production. Faithful to what rotation depends on: a staging label sits on one version
// at a time; moving AWSCURRENT moves AWSPREVIOUS to the version it left; RotateSecret creates the
// AWSPENDING version id before the value exists; GetSecretValue with both VersionId and VersionStage
// needs both to match; missing versions and values are ResourceNotFoundException.
import { randomUUID } from 'node:crypto';
import {
  InvalidParameterException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';

const AWSCURRENT = 'AWSCURRENT';
const AWSPENDING = 'AWSPENDING';
const AWSPREVIOUS = 'AWSPREVIOUS';

interface Version {
  readonly versionId: string;
  value?: string;
  readonly stages: Set<string>;
  readonly createdAtMs: number;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  rotationEnabled: boolean;
  readonly versions: Map<string, Version>;
}

/** One command as the fake received it; SecretString is left out so recorded calls never hold a key. */
export interface RecordedCall {
  readonly command: string;
  readonly input: Readonly<Record<string, unknown>>;
}

type Input = Record<string, unknown>;

export class FakeSecretsManager {
  readonly client: SecretsManagerClient;
  readonly calls: RecordedCall[] = [];
  private readonly secrets = new Map<string, Secret>();
  private readonly failures: { command: string; error: Error }[] = [];

  constructor() {
    // Static credentials and region: the middleware answers before they would ever be used.
    this.client = new SecretsManagerClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
    });
    const answer: InitializeMiddleware<object, MetadataBearer> = (_next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Input;
      const { SecretString: _value, ...safeInput } = input;
      this.calls.push({ command, input: safeInput });
      const failure = this.failures.findIndex((f) => f.command === command);
      if (failure >= 0) throw this.failures.splice(failure, 1)[0]?.error;
      const output = this.answer(command, input);
      return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} };
    };
    this.client.middlewareStack.add(answer, { step: 'initialize', name: 'fakeSecretsManager' });
  }

  /** CreateSecret with a first value, staged AWSCURRENT. Returns the secret's ARN. */
  createSecret(name: string, value: string, options: { rotationEnabled?: boolean } = {}): string {
    const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    const versionId = randomUUID();
    this.secrets.set(name, {
      name,
      arn,
      rotationEnabled: options.rotationEnabled ?? true,
      versions: new Map([
        [versionId, { versionId, value, stages: new Set([AWSCURRENT]), createdAtMs: Date.now() }],
      ]),
    });
    return arn;
  }

  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.secret(secretId).rotationEnabled = enabled;
  }

  /** What RotateSecret does before invoking the function: a new version id staged AWSPENDING, no value yet. */
  startRotation(secretId: string, token: string = randomUUID()): string {
    const secret = this.secret(secretId);
    if (!secret.versions.has(token)) {
      secret.versions.set(token, { versionId: token, stages: new Set(), createdAtMs: Date.now() });
    }
    this.attach(secret, AWSPENDING, token);
    return token;
  }

  /** What Secrets Manager does after a successful finishSecret: the new current version loses AWSPENDING. */
  endRotation(secretId: string, token: string): void {
    const version = this.secret(secretId).versions.get(token);
    if (version?.stages.has(AWSCURRENT)) version.stages.delete(AWSPENDING);
  }

  /** The next call of `command` (e.g. 'UpdateSecretVersionStageCommand') fails with `error`. */
  failNext(command: string, error: Error): void {
    this.failures.push({ command, error });
  }

  /** Version id → staging labels, labelled versions only (as DescribeSecret shows them). */
  stages(secretId: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const version of this.secret(secretId).versions.values()) {
      if (version.stages.size > 0) out[version.versionId] = [...version.stages].sort();
    }
    return out;
  }

  versionIdWithStage(secretId: string, stage: string): string | undefined {
    return [...this.secret(secretId).versions.values()].find((v) => v.stages.has(stage))?.versionId;
  }

  /** The parsed JSON value of the version carrying `stage` (for assertions; never print it). */
  valueAt(secretId: string, stage: string): Record<string, unknown> | undefined {
    const version = [...this.secret(secretId).versions.values()].find((v) => v.stages.has(stage));
    return version?.value === undefined ? undefined : (JSON.parse(version.value) as Record<string, unknown>);
  }

  callsOf(command: string): RecordedCall[] {
    return this.calls.filter((call) => call.command === command);
  }

  /** Answers one command by its name (e.g. 'GetSecretValueCommand'); for routing a mocked client here. */
  answer(command: string, request: object): Record<string, unknown> {
    const input = request as Input;
    switch (command) {
      case 'DescribeSecretCommand':
        return this.describeSecret(input);
      case 'GetSecretValueCommand':
        return this.getSecretValue(input);
      case 'PutSecretValueCommand':
        return this.putSecretValue(input);
      case 'UpdateSecretVersionStageCommand':
        return this.updateSecretVersionStage(input);
      default:
        throw new Error(`FakeSecretsManager does not implement ${command}`);
    }
  }

  private describeSecret(input: Input): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      VersionIdsToStages: this.stages(secret.name),
    };
  }

  private getSecretValue(input: Input): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    const versionId = optionalString(input.VersionId);
    const stage = optionalString(input.VersionStage) ?? (versionId === undefined ? AWSCURRENT : undefined);
    const version = [...secret.versions.values()].find(
      (v) =>
        (versionId === undefined || v.versionId === versionId) &&
        (stage === undefined || v.stages.has(stage)),
    );
    if (version?.value === undefined) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret value for VersionId: ${versionId ?? '-'}, VersionStage: ${stage ?? '-'}`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: new Date(version.createdAtMs),
    };
  }

  private putSecretValue(input: Input): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    const token = optionalString(input.ClientRequestToken) ?? randomUUID();
    const value = optionalString(input.SecretString);
    if (value === undefined) throw invalidParameter('SecretString is required');
    const stages = (input.VersionStages as string[] | undefined) ?? [AWSCURRENT];
    let version = secret.versions.get(token);
    if (version?.value !== undefined && version.value !== value) {
      throw new ResourceExistsException({
        message: `A version with VersionId ${token} already exists with different secret data`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (version === undefined) {
      version = { versionId: token, stages: new Set(), createdAtMs: Date.now() };
      secret.versions.set(token, version);
    }
    version.value = value;
    for (const stage of stages) this.attach(secret, stage, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages] };
  }

  private updateSecretVersionStage(input: Input): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    const stage = optionalString(input.VersionStage);
    if (stage === undefined) throw invalidParameter('VersionStage is required');
    const moveTo = optionalString(input.MoveToVersionId);
    const removeFrom = optionalString(input.RemoveFromVersionId);
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
      throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}`);
    }
    if (moveTo !== undefined) {
      if (!secret.versions.has(moveTo)) throw invalidParameter(`Version ${moveTo} does not exist`);
      if (holder !== undefined && holder.versionId !== moveTo && removeFrom === undefined) {
        throw invalidParameter(
          `The staging label ${stage} is currently attached to version ${holder.versionId}, but you did not specify RemoveFromVersionId`,
        );
      }
      this.attach(secret, stage, moveTo);
    } else if (holder !== undefined) {
      holder.stages.delete(stage);
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  /** Puts a label on one version, taking it from any other; AWSCURRENT leaves AWSPREVIOUS behind. */
  private attach(secret: Secret, stage: string, versionId: string): void {
    const target = secret.versions.get(versionId);
    if (!target) throw invalidParameter(`Version ${versionId} does not exist`);
    for (const version of secret.versions.values()) {
      if (version === target || !version.stages.has(stage)) continue;
      version.stages.delete(stage);
      if (stage === AWSCURRENT) this.attach(secret, AWSPREVIOUS, version.versionId);
    }
    target.stages.add(stage);
  }

  private secret(secretId: unknown): Secret {
    const id = String(secretId);
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) {
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400 },
      });
    }
    return secret;
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalidParameter(message: string): InvalidParameterException {
  return new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
}
