// One group of jobs in a nested stack of its own (infra/config/job-groups.ts says which jobs and why):
// each job's sync function, secret and its policy, schedule, rotation, scheduled audit, the group's job-health
// check and alarms.
// The shared resources (tables, alarm topic, quarantine bucket, clock-skew monitor) stay in the parent;
// CDK passes the few the jobs reference as the nested stack's parameters.
import { CfnOutput, NestedStack, Stack } from 'aws-cdk-lib';
import type * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { groupId } from '../config/job-groups.js';
import type { JobConfig } from '../config/schema.js';
import { JobHealthCheck } from './job-health-check.js';
import { KeyRotation } from './key-rotation.js';
import { Monitoring } from './monitoring.js';
import type { QuarantineBucket } from './quarantine-bucket.js';
import { ReconcileJob } from './reconcile-job.js';
import { SecretAccess } from './secret-access.js';
import { SyncJob } from './sync-job.js';
import type { SyncWardenTables } from './tables.js';

export interface JobGroupStackProps {
  /** The group's number (infra/config/job-groups.ts#groupOf). */
  readonly group: number;
  readonly jobs: readonly JobConfig[];
  /** The deployment's stack name: what secrets, alarms and dashboards are named after. */
  readonly deploymentName: string;
  readonly tables: SyncWardenTables;
  readonly alarmAction: cloudwatchActions.SnsAction;
  readonly quarantineBucket?: QuarantineBucket | undefined;
  readonly logRetention: logs.RetentionDays;
  readonly breakGlassRoleArn?: string | undefined;
}

export class JobGroupStack extends NestedStack {
  readonly group: number;
  readonly jobs: readonly SyncJob[];
  readonly rotations: readonly KeyRotation[];
  /** The scheduled audits of the jobs that have `audit.enabled`. */
  readonly audits: readonly ReconcileJob[];
  readonly healthCheck: JobHealthCheck;
  readonly monitoring: Monitoring;
  private readonly deploymentName: string | undefined;

  constructor(scope: Construct, props: JobGroupStackProps) {
    const id = groupId(props.group);
    super(scope, id, {
      description:
        `syncwarden ${props.deploymentName}: sync jobs of group ${props.group} (${props.jobs.map((job) => job.name).join(', ')})`.slice(
          0,
          1024,
        ),
    });
    this.group = props.group;
    this.deploymentName = props.deploymentName;
    const { tables, logRetention, quarantineBucket, breakGlassRoleArn } = props;

    this.jobs = props.jobs.map(
      (job) =>
        new SyncJob(this, `Job-${job.name}`, {
          job,
          tables,
          logRetention,
          ...(quarantineBucket && job.sync.rejectedRecords === 'quarantine' ? { quarantineBucket } : {}),
        }),
    );
    this.rotations = this.jobs.flatMap((job) =>
      job.job.rotation
        ? [new KeyRotation(this, `Rotation-${job.job.name}`, { job, logRetention, breakGlassRoleArn })]
        : [],
    );
    this.audits = this.jobs.flatMap((sync) =>
      sync.job.audit.enabled
        ? [
            new ReconcileJob(this, `Audit-${sync.job.name}`, {
              sync,
              tables,
              logRetention,
              ...(quarantineBucket && sync.job.sync.rejectedRecords === 'quarantine'
                ? { quarantineBucket }
                : {}),
            }),
          ]
        : [],
    );
    for (const job of this.jobs.filter((created) => created.secretCreated)) {
      const rotation = this.rotations.find((r) => r.jobName === job.job.name);
      const audit = this.audits.find((a) => a.job.name === job.job.name);
      new SecretAccess(this, `SecretAccess-${job.job.name}`, { job, rotation, audit, breakGlassRoleArn });
    }
    this.healthCheck = new JobHealthCheck(this, `HealthCheck${id}`, {
      group: String(props.group),
      jobs: props.jobs,
      tables,
      logRetention,
    });
    // One Monitoring per group: a job's alarms on its own resources (Lambda errors, dead letters, rotation)
    // sit beside them, with the group's health-check heartbeat. Its id names the group so that logical ids
    // stay unique across the deployment's templates. No dashboard: the deployment has one (the parent's).
    this.monitoring = new Monitoring(this, `Monitoring${id}`, {
      jobs: this.jobs,
      rotations: this.rotations,
      healthCheck: this.healthCheck,
      alarmAction: props.alarmAction,
    });
    for (const job of this.jobs) this.operatorOutput(job);
  }

  /**
   * What `syncwarden ... --stack` reads of a job (infra/cli/stack-target.ts): its function (whose environment
   * is the job's configuration), its secret and its alarms, as one JSON output so that a job costs one of the
   * template's 200 outputs. Identified by `syncwardenJob` in the value, not by the generated logical id.
   * Its size: ~1 KB for the example job; ~3.5 KB at worst (14 alarms named after a 128-character stack name
   * and a 64-character job), under the 4,096 bytes CloudFormation allows a parameter value (it documents no
   * separate bound for an output value).
   */
  private operatorOutput(job: SyncJob): void {
    new CfnOutput(this, `Operator-${job.job.name}`, {
      description: `syncwarden CLI: job ${job.job.name}'s sync function, secret and alarm names (JSON)`,
      value: Stack.of(this).toJsonString({
        syncwardenJob: job.job.name,
        functionName: job.function.function.functionName,
        secretId: job.secretId,
        alarms: this.monitoring.alarmNamesByJob.get(job.job.name) ?? [],
      }),
    });
  }

  /**
   * The deployment's name, not the generated name of this nested stack: resources named after the stack
   * (the secrets `<stack>/<job>/app-key`, the alarms `<stack>-<job>-...`) keep the names they have in a
   * single-stack deployment, and the README's names hold.
   */
  override get stackName(): string {
    // Stack's constructor reads the name before this constructor has set it.
    return this.deploymentName ?? super.stackName;
  }
}
