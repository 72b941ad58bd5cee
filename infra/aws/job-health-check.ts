// The job-health check of one job group: a Lambda every 5 minutes that reads each of the group's jobs from
// the control table (watermark, run ledger, the app key's last expiry finding; read-only, the group's own
// partitions) and publishes what is wrong with each (functions/job-health/). One per group, beside the
// jobs: its environment lists the group's jobs (at most MAX_JOBS_PER_GROUP, well inside Lambda's 4 KB of
// environment), and its role reads no other job.
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { JobHealthRules } from '../../functions/job-health/problems.js';
import { controlKeys } from '../../functions/shared/tables.js';
import type { JobConfig } from '../config/schema.js';
import { intervalMinutesOf } from './job-interval.js';
import { keyExpiryAlarmDays } from './key-alarms.js';
import { ScheduledInvocation } from './scheduled-invocation.js';
import { ServiceFunction } from './service-function.js';
import type { SyncWardenTables } from './tables.js';

export const JOB_HEALTH_ENTRY = 'functions/job-health/handler.ts';
/** How often each group is checked: the resolution of every job problem, the gap included. */
export const JOB_HEALTH_INTERVAL_MINUTES = 5;
/** What the check does in each of its jobs' partitions: GetItem (watermark, expiry) and Query (ledger). */
export const JOB_HEALTH_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

export interface JobHealthCheckProps {
  /** The group's number, as its nested stack names it: the Group dimension of the check's heartbeat. */
  readonly group: string;
  readonly jobs: readonly JobConfig[];
  readonly tables: SyncWardenTables;
  readonly logRetention?: logs.RetentionDays;
}

export class JobHealthCheck extends Construct {
  readonly group: string;
  readonly function: ServiceFunction;
  readonly invocation: ScheduledInvocation;

  constructor(scope: Construct, id: string, props: JobHealthCheckProps) {
    super(scope, id);
    this.group = props.group;
    this.function = new ServiceFunction(this, 'Check', {
      entry: JOB_HEALTH_ENTRY,
      description: `syncwarden job-health check of group ${props.group}`,
      timeout: Duration.seconds(60),
      environment: jobHealthEnvironment(props.group, props.jobs, props.tables.control.tableName),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnGroupJobs',
        actions: [...JOB_HEALTH_TABLE_ACTIONS],
        resources: [props.tables.control.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': props.jobs.map((job) => controlKeys.jobPartition(job.name)),
          },
        },
      }),
    );
    this.invocation = new ScheduledInvocation(this, 'Schedule', {
      function: this.function.function,
      schedule: {
        expression: `rate(${JOB_HEALTH_INTERVAL_MINUTES} minutes)`,
        timezone: 'UTC',
        intervalMinutes: JOB_HEALTH_INTERVAL_MINUTES,
      },
      input: {},
      description: `syncwarden: checks the health of the jobs of group ${props.group}`,
    });
  }
}

/** The rules of each job, as the check's problems.ts applies them. */
export function jobHealthRules(job: JobConfig): JobHealthRules {
  return {
    name: job.name,
    intervalMinutes: intervalMinutesOf(job),
    overlapMs: job.sync.overlapMs,
    timeoutSeconds: job.timeoutSeconds,
    keyExpiryAlarmDays: keyExpiryAlarmDays(job),
    initialStartMs: job.sync.initialStart ? Date.parse(job.sync.initialStart) : 0,
    auditEnabled: job.audit.enabled,
  };
}

export function jobHealthEnvironment(
  group: string,
  jobs: readonly JobConfig[],
  controlTable: string,
): Record<string, string> {
  return {
    CONTROL_TABLE_NAME: controlTable,
    JOB_HEALTH_GROUP: group,
    JOB_HEALTH_JOBS: JSON.stringify(jobs.map(jobHealthRules)),
  };
}
