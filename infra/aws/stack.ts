// The syncwarden stack: assembles the tables, one sync job per configured job, a key rotation for each
// job that asks for one, the clock-skew monitor, the alarm topic and the monitoring, and states the outputs an operator needs. No logic of its own.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { SyncWardenConfig } from '../config/schema.js';
import { AlarmTopic } from './alarm-topic.js';
import { ClockSkewMonitor } from './clock-skew-monitor.js';
import { KeyRotation } from './key-rotation.js';
import { Monitoring } from './monitoring.js';
import { QuarantineBucket } from './quarantine-bucket.js';
import { SecretAccess } from './secret-access.js';
import { SyncJob } from './sync-job.js';
import { SyncWardenTables } from './tables.js';

export interface SyncWardenStackProps extends StackProps {
  /** Validated configuration (infra/config). */
  readonly config: SyncWardenConfig;
}

export class SyncWardenStack extends Stack {
  readonly tables: SyncWardenTables;
  readonly jobs: readonly SyncJob[];
  readonly rotations: readonly KeyRotation[];
  readonly clockSkewMonitor: ClockSkewMonitor | undefined;
  readonly alarmTopic: AlarmTopic;
  readonly monitoring: Monitoring;

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
    this.jobs = config.jobs.map(
      (job) =>
        new SyncJob(this, `Job-${job.name}`, {
          job,
          tables: this.tables,
          logRetention,
          ...(quarantineBucket && job.sync.rejectedRecords === 'quarantine' ? { quarantineBucket } : {}),
        }),
    );
    const { breakGlassRoleArn } = config;
    this.rotations = this.jobs.flatMap((job) =>
      job.job.rotation
        ? [new KeyRotation(this, `Rotation-${job.job.name}`, { job, logRetention, breakGlassRoleArn })]
        : [],
    );
    for (const job of this.jobs.filter((created) => created.secretCreated)) {
      const rotation = this.rotations.find((r) => r.jobName === job.job.name);
      new SecretAccess(this, `SecretAccess-${job.job.name}`, { job, rotation, breakGlassRoleArn });
    }
    this.clockSkewMonitor = config.clockSkew
      ? new ClockSkewMonitor(this, 'ClockSkew', {
          config: config.clockSkew,
          tables: this.tables,
          logRetention,
        })
      : undefined;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: config.alarmEmail });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      jobs: this.jobs,
      rotations: this.rotations,
      clockSkewMonitor: this.clockSkewMonitor,
      alarmAction: this.alarmTopic.action,
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies (subscribe more endpoints to it)',
      value: this.alarmTopic.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description:
        'CloudWatch dashboard of runs, records, lag, duration, Access Denied causes and clock skew',
      value: this.monitoring.dashboardUrl(),
    });
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
