// One job's scheduled audit (issue 16): its reconcile function (functions/reconcile/handler.ts) with the
// sync's environment plus the audit's, daily at the configured time in the job's time zone, and least-
// privilege access to the job's own items, secret and quarantine prefix. A separate function, role and log
// group from the sync: the audit reads the records table through its index, which the sync never does, and
// only the audit may be given DeleteItem (prune).
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { controlKeys, RECORDS_BY_SOURCE_TIME, recordKeys } from '../../functions/shared/tables.js';
import { auditScheduleExpression } from '../config/audit-schema.js';
import type { AuditConfig, JobConfig } from '../config/schema.js';
import { grantOwnAppKeyRead } from './app-key-grant.js';
import type { QuarantineBucket } from './quarantine-bucket.js';
import { ScheduledInvocation } from './scheduled-invocation.js';
import { ServiceFunction } from './service-function.js';
import { type SyncJob, syncEnvironment } from './sync-job.js';
import type { SyncWardenTables } from './tables.js';

export const RECONCILE_ENTRY = 'functions/reconcile/handler.ts';

export interface ReconcileJobProps {
  /** The job's sync: its configuration and the secret its key is read from. */
  readonly sync: SyncJob;
  readonly tables: SyncWardenTables;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Given when the job quarantines: a repair stores rows as the sync does. */
  readonly quarantineBucket?: QuarantineBucket | undefined;
}

export class ReconcileJob extends Construct {
  readonly job: JobConfig;
  readonly function: ServiceFunction;
  readonly invocation: ScheduledInvocation;

  constructor(scope: Construct, id: string, props: ReconcileJobProps) {
    super(scope, id);
    const { sync, tables } = props;
    const job = sync.job;
    this.job = job;
    this.function = new ServiceFunction(this, 'Reconcile', {
      entry: RECONCILE_ENTRY,
      description: `syncwarden scheduled audit of job ${job.name}`,
      // The sync's timeout and memory: an audit pages the same source with the same page size; a window
      // that does not fit goes on from its cursor at the next invocation.
      timeout: Duration.seconds(job.timeoutSeconds),
      memorySize: job.memoryMb,
      environment: {
        ...syncEnvironment(job, {
          controlTable: tables.control.tableName,
          recordsTable: tables.records.tableName,
          secretId: sync.secretId,
          ...(props.quarantineBucket ? { quarantineBucket: props.quarantineBucket.bucket.bucketName } : {}),
        }),
        ...auditEnvironment(job.audit),
      },
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.grantLeastPrivilege(job, tables, sync.secretPolicyArn);
    props.quarantineBucket?.grantArchiveWrite(this, this.function.role, job.name);

    this.invocation = new ScheduledInvocation(this, 'Schedule', {
      function: this.function.function,
      schedule: {
        expression: auditScheduleExpression(job.audit.time),
        timezone: job.audit.timezone,
        intervalMinutes: 24 * 60,
      },
      input: { job: job.name },
      // Failed audits land beside failed syncs: the job's dead-letter alarm pages both.
      deadLetterQueue: sync.invocation.deadLetterQueue,
      description: `syncwarden: audits job ${job.name} daily at ${job.audit.time} ${job.audit.timezone}`,
    });
  }

  private grantLeastPrivilege(job: JobConfig, tables: SyncWardenTables, secretArn: string): void {
    const role = this.function.role;
    const leadingKeys = (partition: string) => ({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partition] },
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLockLedgerAndAuditState',
        // Lock: UpdateItem (acquire, release); run ledger of the repair: PutItem + UpdateItem; audit state
        // (functions/reconcile/audit-state.ts): GetItem + PutItem; quarantine items of a repair: PutItem.
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
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
        sid: 'CompareAndRepairOwnRecords',
        // confirm-suspects.ts: BatchGetItem; repair.ts: the sync's records store (PartiQLInsert, PutItem),
        // and DeleteItem of extra records only when the job prunes.
        actions: [
          'dynamodb:BatchGetItem',
          ...(job.audit.prune ? ['dynamodb:DeleteItem'] : []),
          'dynamodb:PartiQLInsert',
          'dynamodb:PutItem',
        ],
        resources: [tables.records.tableArn],
        conditions: leadingKeys(recordKeys.jobPartition(job.name)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryOwnRecordsBySourceTime',
        // stored-window.ts: the window's records by source time, from the table by key range and from the
        // sparse index; the key condition names the job's partition.
        actions: ['dynamodb:Query'],
        resources: [
          tables.records.tableArn,
          `${tables.records.tableArn}/index/${RECORDS_BY_SOURCE_TIME.indexName}`,
        ],
        conditions: leadingKeys(recordKeys.jobPartition(job.name)),
      }),
    );
    grantOwnAppKeyRead(role, secretArn, job.secretKmsKeyArn, Stack.of(this).region);
  }
}

/** The variables functions/reconcile/reconcile-config.ts reads beyond the sync's. */
export function auditEnvironment(audit: AuditConfig): Record<string, string> {
  return {
    AUDIT_REPAIR: String(audit.repair),
    AUDIT_PRUNE: String(audit.prune),
    AUDIT_TIME_ZONE: audit.timezone,
    AUDIT_WINDOW_DAYS: String(audit.windowDays),
  };
}
