// One sync job: its app-key secret (existing, or created with a placeholder), its Lambda with the
// environment functions/sync/sync-config.ts reads, least-privilege access to its own items, and its schedule.
import { CfnOutput, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { controlKeys, recordKeys } from '../../functions/shared/tables.js';
import type { JobConfig } from '../config/schema.js';
import { grantOwnAppKeyRead } from './app-key-grant.js';
import { endpointTransportEnvironment } from './endpoint-transport-env.js';
import type { QuarantineBucket } from './quarantine-bucket.js';
import { ScheduledInvocation } from './scheduled-invocation.js';
import { existingSecretPolicyArn } from './secret-arn.js';
import { ServiceFunction } from './service-function.js';
import type { SyncWardenTables } from './tables.js';

export const SYNC_ENTRY = 'functions/sync/handler.ts';

/** What a placeholder secret holds until the operator puts the real key: the sync fails with '"appKey" is empty'. */
export const PLACEHOLDER_SECRET_VALUE = JSON.stringify({ appKey: '' });

export interface SyncJobProps {
  readonly job: JobConfig;
  readonly tables: SyncWardenTables;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Where quarantined rows too large for an item go; given when the job quarantines. */
  readonly quarantineBucket?: QuarantineBucket;
}

export class SyncJob extends Construct {
  readonly job: JobConfig;
  readonly function: ServiceFunction;
  readonly invocation: ScheduledInvocation;
  /** Name (or ARN) the function reads the key from: the secret to fill or rotate. */
  readonly secretId: string;
  /** The secret's ARN as IAM policies name it (a pattern matching the random suffix for a name). */
  readonly secretPolicyArn: string;
  /** True when the stack created the secret with a placeholder value. */
  readonly secretCreated: boolean;
  /** The customer managed key of a created secret (`"customerManagedKey": true`); its policy: secret-access.ts. */
  readonly secretKey: kms.Key | undefined;

  constructor(scope: Construct, id: string, props: SyncJobProps) {
    super(scope, id);
    const { job, tables } = props;
    this.job = job;
    const secret = this.appKeySecret(job);
    this.secretId = secret.secretId;
    this.secretPolicyArn = secret.policyArn;
    this.secretCreated = secret.created;
    this.secretKey = secret.key;

    this.function = new ServiceFunction(this, 'Sync', {
      entry: SYNC_ENTRY,
      description: `syncwarden sync job ${job.name}`,
      timeout: Duration.seconds(job.timeoutSeconds),
      memorySize: job.memoryMb,
      environment: syncEnvironment(job, {
        controlTable: tables.control.tableName,
        recordsTable: tables.records.tableName,
        secretId: secret.secretId,
        ...(props.quarantineBucket ? { quarantineBucket: props.quarantineBucket.bucket.bucketName } : {}),
      }),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.grantLeastPrivilege(job, tables, secret.policyArn);
    props.quarantineBucket?.grantArchiveWrite(this, this.function.role, job.name);

    this.invocation = new ScheduledInvocation(this, 'Schedule', {
      function: this.function.function,
      schedule: job.schedule,
      input: { job: job.name },
      description: `syncwarden: runs sync job ${job.name}`,
    });

    new CfnOutput(this, 'SecretName', {
      description: job.rotation
        ? `Job ${job.name}: its app key, rotated every ${job.rotation.everyDays} days by its rotation function (first rotation on deploy; rotate now with aws secretsmanager rotate-secret --secret-id <this>)`
        : secret.created
          ? `Job ${job.name}: fill this secret with the app key (aws secretsmanager put-secret-value --secret-id <this> --secret-string '{"appKey":"...","expiresAt":"..."}')`
          : `Job ${job.name}: the existing secret its app key is read from`,
      value: secret.displayName,
    });
  }

  private appKeySecret(job: JobConfig): {
    secretId: string;
    policyArn: string;
    displayName: string;
    created: boolean;
    key?: kms.Key;
  } {
    const stack = Stack.of(this);
    if (typeof job.secret !== 'string') {
      const name = `${stack.stackName}/${job.name}/app-key`;
      const key = job.secret.customerManagedKey
        ? new kms.Key(this, 'AppKeyEncryption', {
            description: `syncwarden: encrypts the app key secret of job ${job.name}`,
            enableKeyRotation: true,
          })
        : undefined;
      const secret = new secretsmanager.Secret(this, 'AppKey', {
        secretName: name,
        ...(key ? { encryptionKey: key } : {}),
        description: `syncwarden app key of job ${job.name}: {"appKey": "...", "expiresAt": "ISO-8601"}`,
        // Not a secret: an empty placeholder the operator replaces with put-secret-value.
        secretStringValue: SecretValue.unsafePlainText(PLACEHOLDER_SECRET_VALUE),
      });
      // With `rotation` configured, the job's KeyRotation schedules rotation of this secret (SMG4 holds).
      if (!job.rotation) {
        NagSuppressions.addResourceSuppressions(secret, [
          {
            id: 'AwsSolutions-SMG4',
            reason:
              'The app key is issued by the ThingWorx server, not generated by AWS; without "rotation" in the job configuration operators rotate it with put-secret-value and the sync picks up the new version without a redeploy (README: fill or rotate the key).',
          },
        ]);
      }
      return {
        secretId: secret.secretArn,
        policyArn: secret.secretArn,
        displayName: name,
        created: true,
        ...(key ? { key } : {}),
      };
    }
    const given = job.secret;
    return {
      secretId: given,
      policyArn: existingSecretPolicyArn(this, given),
      displayName: given,
      created: false,
    };
  }

  /**
   * The job reads and writes only its own partition (`job#<name>`) of each table and may read the last
   * measurement of its skew target; it reads only its own secret, by id (no VersionStage condition:
   * that would deny the GetSecretValue calls that name no stage).
   */
  private grantLeastPrivilege(job: JobConfig, tables: SyncWardenTables, secretArn: string): void {
    const role = this.function.role;
    const leadingKeys = (partition: string) => ({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partition] },
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLockWatermarkAndLedger',
        // Lock: UpdateItem; watermark: GetItem + TransactWriteItems (ConditionCheck on the lock, Update);
        // run ledger: PutItem + UpdateItem, and Query of its newest run items (sk BETWEEN 'run#' AND
        // 'run#<start>') to count the runs in a row that did not catch up (RunsBehindInARow). LeadingKeys
        // holds for Query too: its key condition must name this job's partition. The table's ARN, not
        // table/index/*: the control table has no index to query.
        actions: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        resources: [tables.control.tableArn],
        conditions: leadingKeys(controlKeys.jobPartition(job.name)),
      }),
    );
    if (job.skewTarget !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadSkewOfOwnTarget',
          actions: ['dynamodb:GetItem'],
          resources: [tables.control.tableArn],
          conditions: leadingKeys(controlKeys.targetPartition(job.skewTarget)),
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnRecords',
        // records-store.ts: INSERTs of new records (BatchExecuteStatement needs PartiQLInsert), read-backs
        // of the overlap window (BatchGetItem), conditional PutItem of newer versions. LeadingKeys keeps
        // each to the job's own partition.
        actions: ['dynamodb:BatchGetItem', 'dynamodb:PartiQLInsert', 'dynamodb:PutItem'],
        resources: [tables.records.tableArn],
        conditions: leadingKeys(recordKeys.jobPartition(job.name)),
      }),
    );
    grantOwnAppKeyRead(role, secretArn, job.secretKmsKeyArn, Stack.of(this).region);
  }
}

/** Every variable functions/sync/sync-config.ts reads, set explicitly from the job's configuration. */
export function syncEnvironment(
  job: JobConfig,
  resources: {
    readonly controlTable: string;
    readonly recordsTable: string;
    readonly secretId: string;
    readonly quarantineBucket?: string;
  },
): Record<string, string> {
  return {
    SYNC_JOB_NAME: job.name,
    CONTROL_TABLE_NAME: resources.controlTable,
    RECORDS_TABLE_NAME: resources.recordsTable,
    ENDPOINT_BASE_URL: job.endpoint.baseUrl,
    ENDPOINT_THING: job.endpoint.thing,
    ENDPOINT_SERVICE: job.endpoint.service,
    APP_KEY_HEADER: job.endpoint.keyHeader,
    APP_KEY_SECRET_ID: resources.secretId,
    ...(job.endpoint.keyName ? { APP_KEY_NAME: job.endpoint.keyName } : {}),
    REQUEST_TIMEOUT_MS: String(job.endpoint.requestTimeoutMs),
    PAGE_SIZE: String(job.sync.pageSize),
    TIMESTAMP_FIELD: job.sync.timestampField,
    KEY_FIELDS: job.sync.keyFields.join(','),
    OVERLAP_MS: String(job.sync.overlapMs),
    MIN_REMAINING_TIME_MS: String(job.sync.minRemainingTimeMs),
    SAFETY_MARGIN_MS: String(job.sync.safetyMarginMs),
    LEASE_MARGIN_MS: String(job.sync.leaseMarginMs),
    LEDGER_RETENTION_DAYS: String(job.sync.ledgerRetentionDays),
    SKEW_MAX_AGE_MS: String(job.sync.skewMaxAgeMs),
    SKEW_ALLOWANCE_CAP_MS: String(job.sync.skewAllowanceCapMs),
    REJECTED_RECORDS: job.sync.rejectedRecords,
    ...(resources.quarantineBucket ? { QUARANTINE_BUCKET: resources.quarantineBucket } : {}),
    ...(job.sync.initialStart ? { INITIAL_START: job.sync.initialStart } : {}),
    ...(job.skewTarget ? { SKEW_TARGET: job.skewTarget } : {}),
    ...endpointTransportEnvironment(job.endpoint),
  };
}
