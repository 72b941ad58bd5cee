// Automatic rotation of one job's app key: the rotation Lambda (functions/rotate-key) with the environment
// its rotation-config.ts reads, exactly the IAM its four steps need, and the Secrets Manager rotation schedule.
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULTS, type JobConfig, type RotationConfig } from '../config/schema.js';
import { AdminKeyCheck } from './admin-key-check.js';
import { endpointTransportEnvironment } from './endpoint-transport-env.js';
import { secretValuePolicy } from './secret-access.js';
import { existingSecretPolicyArn } from './secret-arn.js';
import { ServiceFunction } from './service-function.js';
import type { SyncJob } from './sync-job.js';

export const ROTATE_KEY_ENTRY = 'functions/rotate-key/handler.ts';

/** The Secrets Manager calls the four steps make on the job's secret (functions/rotate-key/secret-versions.ts). */
export const ROTATION_SECRET_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

export interface KeyRotationProps {
  /** The job whose secret is rotated; its configuration must have `rotation`. */
  readonly job: SyncJob;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Named in the admin secret policy this construct outputs. @default - none */
  readonly breakGlassRoleArn?: string | undefined;
}

/**
 * Built directly on CfnRotationSchedule rather than `secret.addRotationSchedule()`: the L2 also grants
 * `secretsmanager:GetRandomPassword` on `*` (a key comes from ThingWorx, not from AWS), grants
 * `kms:Encrypt`/`ReEncrypt*` on a customer managed key, and lets Secrets Manager invoke the function on
 * behalf of any account. Here the role gets exactly what the steps call, and the invoke permission is
 * limited to this account.
 */
export class KeyRotation extends Construct {
  readonly jobName: string;
  readonly rotation: RotationConfig;
  readonly function: ServiceFunction;
  readonly schedule: secretsmanager.CfnRotationSchedule;
  readonly adminKeyCheck: AdminKeyCheck;

  constructor(scope: Construct, id: string, props: KeyRotationProps) {
    super(scope, id);
    const { job } = props;
    const rotation = job.job.rotation;
    if (!rotation) throw new Error(`job ${job.job.name} has no rotation configured`);
    this.jobName = job.job.name;
    this.rotation = rotation;

    this.function = new ServiceFunction(this, 'Rotator', {
      entry: ROTATE_KEY_ENTRY,
      description: `syncwarden app-key rotation of job ${job.job.name}`,
      timeout: Duration.seconds(DEFAULTS.rotation.timeoutSeconds),
      environment: rotationEnvironment(job.job, rotation, job.secretId),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.grantLeastPrivilege(job, rotation);

    // SourceArn too: this function holds an admin key for one secret, so Secrets Manager may invoke it for
    // that secret only. AWS suggests SourceAccount alone for a function shared by several secrets
    // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html);
    // this one is not. A name's ARN pattern ("-??????") works here: Lambda matches SourceArn with ArnLike.
    const invokedBySecretsManager = new lambda.CfnPermission(this, 'InvokedBySecretsManager', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: Stack.of(this).account,
      sourceArn: job.secretPolicyArn,
    });
    this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Schedule', {
      secretId: job.secretId,
      rotationLambdaArn: this.function.function.functionArn,
      // Must equal ROTATION_INTERVAL_DAYS: a new key lives the interval plus the expiry margin.
      rotationRules: { automaticallyAfterDays: rotation.everyDays },
      // The first rotation runs on deploy: it replaces a placeholder key and proves the admin key works.
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager checks it may invoke the function when the schedule is created.
    this.schedule.node.addDependency(invokedBySecretsManager);

    this.adminKeyCheck = new AdminKeyCheck(this, 'AdminKeyCheck', {
      jobName: this.jobName,
      rotationFunction: this.function,
    });
    // The admin secret is not the stack's: the README says how to put this policy on it.
    new CfnOutput(this, 'AdminSecretPolicy', {
      description: `Job ${this.jobName}: resource policy for the admin key secret ${rotation.adminSecret}: only this rotation function (and the break-glass role) may read it. Apply with aws secretsmanager put-resource-policy --block-public-policy --secret-id <admin secret> --resource-policy '<this>'`,
      value: Stack.of(this).toJsonString(
        secretValuePolicy({
          readers: [this.function.role.roleArn],
          breakGlassRoleArn: props.breakGlassRoleArn,
        }).toJSON(),
      ),
    });
  }

  /**
   * The job's secret: the four steps' calls (GetSecretValue names VersionStage or VersionId, so no
   * `secretsmanager:VersionStage` condition). The admin secret: read only. KMS only for customer managed keys.
   */
  private grantLeastPrivilege(job: SyncJob, rotation: RotationConfig): void {
    const role = this.function.role;
    const viaSecretsManager = {
      StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
    };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RotateOwnAppKey',
        actions: [...ROTATION_SECRET_ACTIONS],
        resources: [job.secretPolicyArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAdminAppKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [existingSecretPolicyArn(this, rotation.adminSecret)],
      }),
    );
    if (job.job.secretKmsKeyArn) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'EncryptOwnAppKey',
          // GetSecretValue decrypts; PutSecretValue encrypts the new version under a new data key.
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [job.job.secretKmsKeyArn],
          conditions: viaSecretsManager,
        }),
      );
    }
    if (rotation.adminSecretKmsKeyArn) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptAdminAppKey',
          actions: ['kms:Decrypt'],
          resources: [rotation.adminSecretKmsKeyArn],
          conditions: viaSecretsManager,
        }),
      );
    }
  }
}

/** Key names are `<prefix>-<token>`; the prefix allows letters, digits, "_" and "-" (at most 64). */
export function rotationKeyNamePrefix(jobName: string): string {
  return `syncwarden-${jobName.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

/**
 * Every variable functions/rotate-key/rotation-config.ts reads, from the job's configuration. Left to
 * the loader: OLD_KEY_GRACE_SECONDS (its default is the minimum, the key cache TTL + SYNC_TIMEOUT_SECONDS)
 * and ROTATION_TEST_PARAMS (one record).
 */
export function rotationEnvironment(
  job: JobConfig,
  rotation: RotationConfig,
  /**
   * The job's secret as the sync reads it (a created secret's ARN, or the configured name or ARN).
   * @default the configured secret, or for a created one its name under the default stack name
   */
  secretId: string = typeof job.secret === 'string'
    ? job.secret
    : `${DEFAULTS.stackName}/${job.name}/app-key`,
): Record<string, string> {
  return {
    ROTATION_SECRET_ID: secretId,
    ROTATION_JOB_NAME: job.name,
    ENDPOINT_BASE_URL: job.endpoint.baseUrl,
    APP_KEY_HEADER: job.endpoint.keyHeader,
    REQUEST_TIMEOUT_MS: String(job.endpoint.requestTimeoutMs),
    ADMIN_SECRET_ID: rotation.adminSecret,
    ROTATION_KEY_USER: rotation.keyUser,
    ROTATION_KEY_NAME_PREFIX: rotationKeyNamePrefix(job.name),
    ROTATION_INTERVAL_DAYS: String(rotation.everyDays),
    ROTATION_EXPIRY_MARGIN_HOURS: String(rotation.expiryMarginHours),
    ROTATION_TEST_THING: rotation.testThing,
    ROTATION_TEST_SERVICE: rotation.testService,
    SYNC_TIMEOUT_SECONDS: String(job.timeoutSeconds),
    ...(rotation.allowlist.length > 0 ? { ROTATION_IP_ALLOWLIST: rotation.allowlist.join(',') } : {}),
    ...endpointTransportEnvironment(job.endpoint),
  };
}
