// The syncwarden stack: assembles the shared resources (tables, alarm topic, quarantine bucket, clock-skew
// monitor, the deployment's alarms and dashboard), one nested stack per group of jobs (job-group-stack.ts:
// each job's function, secret, rotation, alarms, the group's health check), and states the outputs an operator needs. No logic of its own.
import { CfnOutput, type CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { groupId, jobsByGroup, overfullGroupProblem } from '../config/job-groups.js';
import type { SyncWardenConfig } from '../config/schema.js';
import { AlarmTopic } from './alarm-topic.js';
import { ClockSkewMonitor } from './clock-skew-monitor.js';
import { DeployLimitError } from './deploy-limits.js';
import { JobGroupStack } from './job-group-stack.js';
import type { KeyRotation } from './key-rotation.js';
import { Monitoring } from './monitoring.js';
import { QuarantineBucket } from './quarantine-bucket.js';
import type { ReconcileJob } from './reconcile-job.js';
import type { SyncJob } from './sync-job.js';
import { SyncWardenTables } from './tables.js';

export interface SyncWardenStackProps extends StackProps {
  /** Validated configuration (infra/config). */
  readonly config: SyncWardenConfig;
}

export class SyncWardenStack extends Stack {
  readonly tables: SyncWardenTables;
  readonly jobs: readonly SyncJob[];
  readonly rotations: readonly KeyRotation[];
  /** The jobs' scheduled audits (reconcile-job.ts), of the jobs with `audit.enabled`. */
  readonly audits: readonly ReconcileJob[];
  readonly clockSkewMonitor: ClockSkewMonitor | undefined;
  readonly alarmTopic: AlarmTopic;
  /** The deployment's problem alarms, the clock-skew monitor's and the dashboard; each job group has its own. */
  readonly monitoring: Monitoring;
  readonly jobGroups: readonly JobGroupStack[];

  constructor(scope: Construct, id: string, props: SyncWardenStackProps) {
    super(scope, id, {
      description: 'syncwarden: scheduled app-key API syncs with lease locks, clock-skew monitor, alarms',
      ...props,
    });
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.tables = new SyncWardenTables(this, 'Tables');
    const quarantineBucket = config.jobs.some((job) => job.sync.rejectedRecords === 'quarantine')
      ? new QuarantineBucket(this, 'QuarantineBucket')
      : undefined;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: config.alarmEmail });
    // Each job lives in the nested stack of its group (infra/config/job-groups.ts: why, and why a job never
    // moves); the parent keeps what the jobs share.
    const groups = jobsByGroup(config.jobs);
    // Before CDK's own resource check, which would fail synth with a stack trace.
    const overfull = overfullGroupProblem(groups);
    if (overfull) throw new DeployLimitError(overfull);
    this.jobGroups = [...groups].map(
      ([group, jobs]) =>
        new JobGroupStack(this, {
          group,
          jobs,
          deploymentName: this.stackName,
          tables: this.tables,
          alarmAction: this.alarmTopic.action,
          quarantineBucket,
          logRetention,
          breakGlassRoleArn: config.breakGlassRoleArn,
        }),
    );
    const byName = new Map(this.jobGroups.flatMap((group) => group.jobs.map((job) => [job.job.name, job])));
    this.jobs = config.jobs.map((job) => byName.get(job.name) as SyncJob);
    this.rotations = this.jobGroups.flatMap((group) => group.rotations);
    this.audits = this.jobGroups.flatMap((group) => group.audits);
    this.clockSkewMonitor = config.clockSkew
      ? new ClockSkewMonitor(this, 'ClockSkew', {
          config: config.clockSkew,
          tables: this.tables,
          logRetention,
        })
      : undefined;
    // The parent's dashboard and alarms: the problem alarms over every job, the clock-skew monitor's.
    this.monitoring = new Monitoring(this, 'Monitoring', {
      deployment: true,
      clockSkewMonitor: this.clockSkewMonitor,
      alarmAction: this.alarmTopic.action,
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies (subscribe more endpoints to it)',
      value: this.alarmTopic.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description:
        'CloudWatch dashboard of the deployment: problems per job and per kind, runs, records, clock skew',
      value: this.monitoring.dashboardUrl(),
    });
    for (const group of this.jobGroups) {
      // For `syncwarden ... --stack`: DescribeStacks on each group's stack reads its jobs' operator outputs.
      new CfnOutput(this, `${groupId(group.group)}StackId`, {
        description:
          `Nested stack of job group ${group.group}: ${group.jobs.map((job) => job.job.name).join(', ')}`.slice(
            0,
            1024,
          ),
        value: (group.nestedStackResource as CfnResource).ref,
      });
    }
    new CfnOutput(this, 'ControlTableName', { value: this.tables.control.tableName });
    new CfnOutput(this, 'RecordsTableName', { value: this.tables.records.tableName });
    if (quarantineBucket) {
      new CfnOutput(this, 'QuarantineBucketName', {
        description: 'Quarantined rows too large for their control-table item (quarantine/<job>/...)',
        value: quarantineBucket.bucket.bucketName,
      });
    }
  }
}
