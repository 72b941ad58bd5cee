// Alarms, and the deployment's dashboard: what an operator looks at. Every alarm notifies the alarm topic;
// each one's description says what it means and what to do (the README's alarm table says the same).
// A job group's Monitoring holds what must sit beside its jobs: each job's Lambda and dead-letter alarms on
// AWS's own (free) metrics, its rotation's alarms (rotation-monitoring.ts) and its health check's heartbeat.
// The parent's holds what the deployment shares: the two problem alarms over every job (problem-alarms.ts),
// the clock-skew monitor's (clock-skew-monitoring.ts), and the one dashboard (deployment-dashboard.ts).
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import type { AlarmFactory } from './alarm-factory.js';
import type { ClockSkewMonitor } from './clock-skew-monitor.js';
import { monitorClockSkew } from './clock-skew-monitoring.js';
import { deploymentWidgets } from './deployment-dashboard.js';
import type { JobHealthCheck } from './job-health-check.js';
import type { KeyRotation } from './key-rotation.js';
import { deadLettersAlarm, functionErrorsAlarm } from './lambda-alarms.js';
import { healthCheckStoppedAlarm, problemAlarms } from './problem-alarms.js';
import { monitorRotation } from './rotation-monitoring.js';
import type { SyncJob } from './sync-job.js';

export interface MonitoringProps {
  /** @default [] */
  readonly jobs?: readonly SyncJob[];
  /** Key rotations of the jobs that have one. @default [] */
  readonly rotations?: readonly KeyRotation[];
  /** The group's job-health check, whose heartbeat is alarmed. @default none */
  readonly healthCheck?: JobHealthCheck | undefined;
  readonly clockSkewMonitor?: ClockSkewMonitor | undefined;
  /** The deployment's own: the problem alarms over every job and the dashboard. @default false */
  readonly deployment?: boolean;
  readonly alarmAction: cloudwatchActions.SnsAction;
  /** @default the stack name */
  readonly dashboardName?: string;
}

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The deployment's dashboard; a job group has none (one dashboard costs $3 a month). */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** Each job's own alarm names as written (the job's operator output lists them for `syncwarden status`). */
  readonly alarmNamesByJob = new Map<string, string[]>();
  private readonly alarmNames: string[] = [];
  private readonly prefix: string;
  private readonly alarmFactory: AlarmFactory = (...args) => this.alarm(...args);

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    this.prefix = Stack.of(this).stackName;
    for (const job of props.jobs ?? []) this.monitorJob(job);
    if (props.healthCheck) healthCheckStoppedAlarm(this, props.healthCheck, this.alarmFactory);
    const widgets: cloudwatch.IWidget[] = [];
    if (props.deployment) {
      problemAlarms(new Construct(this, 'Problems'), this.alarmFactory);
      widgets.push(...deploymentWidgets());
    }
    if (props.clockSkewMonitor) {
      widgets.push(...monitorClockSkew(this, props.clockSkewMonitor, this.alarmFactory));
    }
    this.dashboard = props.deployment
      ? new cloudwatch.Dashboard(this, 'Dashboard', {
          dashboardName: props.dashboardName ?? this.prefix,
          defaultInterval: Duration.days(7),
          widgets: [
            widgets,
            [
              new cloudwatch.AlarmStatusWidget({
                title: 'Alarms',
                alarms: this.alarms,
                width: 24,
                height: 4,
              }),
            ],
          ],
        })
      : undefined;
  }

  /** https://console.aws.amazon.com URL of the dashboard in the stack's region. */
  dashboardUrl(): string {
    if (!this.dashboard) throw new Error('this Monitoring has no dashboard: the deployment has it');
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }

  /** A job's own alarms: only those on AWS's metrics of its own resources, which cost no custom metric. */
  private monitorJob(job: SyncJob): void {
    const { name } = job.job;
    const rotation = this.props.rotations?.find((r) => r.jobName === name);
    const scope = new Construct(this, `Job-${name}`);
    const alarm = this.alarmFactory;
    const firstAlarm = this.alarmNames.length;
    functionErrorsAlarm(alarm, scope, job.function, `${name}-lambda-errors`, `sync job ${name}`);
    deadLettersAlarm(alarm, scope, job.invocation, `${name}-dead-letters`, `sync job ${name}`);
    if (rotation) monitorRotation(scope, rotation, alarm);
    this.alarmNamesByJob.set(name, this.alarmNames.slice(firstAlarm));
  }

  private alarm(
    scope: Construct,
    id: string,
    name: string,
    props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'evaluationPeriods'> & { evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarmName = `${this.prefix}-${name}`;
    this.alarmNames.push(alarmName);
    const alarm = new cloudwatch.Alarm(scope, id, {
      evaluationPeriods: 1,
      ...props,
      alarmName,
      actionsEnabled: true,
    });
    alarm.addAlarmAction(this.props.alarmAction);
    this.alarms.push(alarm);
    return alarm;
  }
}
