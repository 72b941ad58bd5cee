// Alarms and the dashboard: what an operator looks at. Every alarm notifies the alarm topic; each one's
// description says what it means and what to do (the README's alarm table says the same). This construct
// assembles them: a job's run alarms (job-alarms.ts), key alarms (key-alarms.ts), Lambda alarms
// (lambda-alarms.ts), rotation alarms (rotation-monitoring.ts) and widgets (job-dashboard.ts); the
// clock-skew monitor's (clock-skew-monitoring.ts).
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import type { AlarmFactory } from './alarm-factory.js';
import type { ClockSkewMonitor } from './clock-skew-monitor.js';
import { monitorClockSkew } from './clock-skew-monitoring.js';
import { runAlarms } from './job-alarms.js';
import { jobWidgets } from './job-dashboard.js';
import { keyAlarms } from './key-alarms.js';
import type { KeyRotation } from './key-rotation.js';
import { deadLettersAlarm, functionErrorsAlarm } from './lambda-alarms.js';
import { SyncJobMetrics } from './metrics.js';
import { monitorRotation } from './rotation-monitoring.js';
import type { SyncJob } from './sync-job.js';

export interface MonitoringProps {
  readonly jobs: readonly SyncJob[];
  readonly clockSkewMonitor?: ClockSkewMonitor | undefined;
  /** Key rotations of the jobs that have one. @default [] */
  readonly rotations?: readonly KeyRotation[];
  readonly alarmAction: cloudwatchActions.SnsAction;
  /** @default the stack name */
  readonly dashboardName?: string;
}

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Each job's alarm names as written (the job's operator output lists them for `syncwarden status`). */
  readonly alarmNamesByJob = new Map<string, string[]>();
  private readonly alarmNames: string[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly prefix: string;
  private readonly alarmFactory: AlarmFactory = (...args) => this.alarm(...args);

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    this.prefix = Stack.of(this).stackName;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? this.prefix,
      defaultInterval: Duration.days(7),
    });
    for (const job of props.jobs) this.monitorJob(job);
    if (props.clockSkewMonitor) {
      this.dashboard.addWidgets(...monitorClockSkew(this, props.clockSkewMonitor, this.alarmFactory));
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
  }

  /** https://console.aws.amazon.com URL of the dashboard in the stack's region. */
  dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }

  private monitorJob(job: SyncJob): void {
    const { name } = job.job;
    const rotation = this.props.rotations?.find((r) => r.jobName === name);
    const metrics = new SyncJobMetrics(name);
    const scope = new Construct(this, `Job-${name}`);
    const alarm = this.alarmFactory;
    const firstAlarm = this.alarmNames.length;

    runAlarms(scope, job.job, metrics, alarm);
    keyAlarms(scope, job.job, metrics, rotation, alarm);
    functionErrorsAlarm(alarm, scope, job.function, `${name}-lambda-errors`, `sync job ${name}`);
    deadLettersAlarm(alarm, scope, job.invocation, `${name}-dead-letters`, `sync job ${name}`);
    this.dashboard.addWidgets(
      ...jobWidgets(job.job, metrics),
      ...(rotation ? monitorRotation(scope, rotation, alarm) : []),
    );
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
