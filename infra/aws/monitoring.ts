// Alarms and the dashboard: what an operator looks at. Every alarm notifies the alarm topic; each one's
// description says what it means and what to do (the README's alarm table says the same).
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/diagnose.js';
import type { JobConfig } from '../config/schema.js';
import type { ClockSkewMonitor } from './clock-skew-monitor.js';
import type { KeyRotation } from './key-rotation.js';
import { pairwiseSkewMs, RECOVERED_AUTH_CAUSE, SkewTargetMetrics, SyncJobMetrics } from './metrics.js';
import { monitorRotation } from './rotation-monitoring.js';
import type { ScheduledInvocation } from './scheduled-invocation.js';
import type { ServiceFunction } from './service-function.js';
import type { SyncJob } from './sync-job.js';

/** Alarm when a run takes more than this share of its timeout. */
export const DURATION_ALARM_FRACTION = 0.8;
/** Alarm when the app key expires within this many days. */
export const KEY_EXPIRY_ALARM_DAYS = 7;
/** Secrets Manager rotates at a random hour of the scheduled day: a rotation is late only after it. */
const ROTATION_WINDOW_HOURS = 24;
/**
 * Alarm when this many succeeded runs in a row ended `caughtUp: false`: one run behind is a backlog being
 * worked off; three mean the runs stop at the safety margin every time and the job cannot catch up within its
 * timeout.
 */
export const RUNS_BEHIND_ALARM_RUNS = 3;
/**
 * Period of the alarms on metrics the sync publishes once per run (SyncLagSeconds, RunsBehindInARow). Short
 * enough that one period holds one run's datapoint (runs are at least timeout + lease margin apart; for
 * intervals under 5 minutes Maximum takes the worst of the few runs in it), so the alarm follows the latest
 * run. With one evaluation period it is 300 s of evaluation range, well inside CloudWatch's limit: "Period
 * multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a period of less than
 * one hour (3,600 seconds), the total evaluation period can't be longer than one day (86,400 seconds)"
 * (PutMetricAlarm API reference, Period).
 */
const PER_RUN_ALARM_PERIOD = Duration.minutes(5);

/** The longest time between two runs; parseConfig (infra/config/schema.ts) derives it or requires it. */
function intervalMinutesOf(job: JobConfig): number {
  const minutes = job.schedule.intervalMinutes;
  if (minutes === undefined) {
    throw new Error(
      `sync job ${job.name} has no schedule interval: configure it through parseConfig, which derives intervalMinutes or requires it`,
    );
  }
  return minutes;
}

/**
 * SyncLagSeconds above which the job's watermark counts as stalled: 2 schedule intervals (as long as the gap
 * alarm waits for a successful run) plus the job's overlap (sync.overlapMs; parseConfig fills in
 * SYNC_DEFAULTS.overlapMs), the lateness the sync itself allows for. A run that catches up ends with a lag of
 * about its own duration, under its timeout and so under one interval (synth refuses a timeout as long as the
 * interval): only runs that stop early, or fail, without moving the watermark far enough get here.
 */
export function syncLagAlarmSeconds(job: JobConfig): number {
  return 2 * intervalMinutesOf(job) * 60 + job.sync.overlapMs / 1000;
}

/**
 * Days to expiry below which the key-expiry alarm fires. A rotated key has only `expiryMarginHours` left
 * when its rotation is due, so the alarm waits until the rotation is overdue (after the rotation day);
 * a fixed 7 days would fire before every rotation.
 */
export function keyExpiryAlarmDays(job: JobConfig): number {
  if (!job.rotation) return KEY_EXPIRY_ALARM_DAYS;
  const overdueDays = (job.rotation.expiryMarginHours - ROTATION_WINDOW_HOURS) / 24;
  return Math.min(KEY_EXPIRY_ALARM_DAYS, overdueDays);
}

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
  readonly dashboard: cloudwatch.Dashboard;
  private readonly prefix: string;

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
    if (props.clockSkewMonitor) this.monitorClockSkew(props.clockSkewMonitor);
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
    const { name, timeoutSeconds } = job.job;
    const rotation = this.props.rotations?.find((r) => r.jobName === name);
    const expiryAlarmDays = keyExpiryAlarmDays(job.job);
    const metrics = new SyncJobMetrics(name);
    const interval = Duration.minutes(intervalMinutesOf(job.job));
    const twoIntervals = Duration.minutes(2 * intervalMinutesOf(job.job));
    const lagAlarmSeconds = syncLagAlarmSeconds(job.job);
    const timeoutMs = timeoutSeconds * 1000;
    const scope = new Construct(this, `Job-${name}`);

    this.alarm(scope, 'RunFailed', `${name}-run-failed`, {
      metric: metrics.runFailed(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `A run of sync job ${name} failed (RunFailed). The run ledger and the log line "Run failed" name the cause; the next scheduled run resumes from the watermark.`,
    });
    this.alarm(scope, 'NoSuccessfulRun', `${name}-no-successful-run`, {
      metric: metrics.runSucceeded(twoIntervals),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is the symptom: runs that never start publish nothing.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `Gap alarm: sync job ${name} has had no successful run for 2 schedule intervals (${twoIntervals.toHumanString()}). Missing data counts as breaching, so it also fires when runs stop entirely (schedule disabled, invocation failures, placeholder secret never filled).`,
    });
    this.alarm(scope, 'RepeatedLockSkips', `${name}-repeated-lock-skips`, {
      metric: metrics.runSkippedLockHeld(twoIntervals),
      threshold: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Sync job ${name} skipped at least 2 runs in 2 intervals because another run held the lease (RunSkippedLockHeld): runs overlap. Check run durations against the ${interval.toHumanString()} interval and the lock holder in the skip log line.`,
    });
    // Published once per run, hours apart. Missing data is ignored ("ignore – the current alarm state is
    // maintained", CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data"), so the state
    // holds between runs: the alarm stays in ALARM from the run that breached until a run reports a lag under
    // the threshold, with no OK in between (notBreaching would clear it 5 minutes after each run and re-fire at
    // the next one: a flapping alarm and a notification per run). Breaching would repeat the gap alarm, which
    // already owns "no runs at all". One evaluation period: the threshold itself already waits 2 intervals.
    this.alarm(scope, 'SyncLag', `${name}-sync-lag`, {
      metric: metrics.syncLagSeconds(PER_RUN_ALARM_PERIOD),
      threshold: lagAlarmSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription: `Watermark stalled: a run of sync job ${name} ended more than ${lagAlarmSeconds} s (2 schedule intervals of ${interval.toHumanString()} + the ${job.job.sync.overlapMs / 1000} s overlap) behind the source (SyncLagSeconds: run end minus the newest source time the records table is complete up to), even if runs succeed. With runs-behind also in ALARM, runs stop at the safety margin before catching up: raise timeoutSeconds or pageSize, or check endpoint latency. With run-failed, access-denied or repeated-lock-skips in ALARM, fix that first. The run ledger shows watermarkAfter, caughtUp and reason per run. Expected during a first backfill from initialStart. Missing data keeps the state (runs are hours apart); no runs at all is the no-successful-run alarm's case.`,
    });
    // Published on every succeeded run (failed and skipped runs publish none and leave the state as it is);
    // same period and missing-data reasoning as the lag alarm above.
    this.alarm(scope, 'RunsBehind', `${name}-runs-behind`, {
      metric: metrics.runsBehindInARow(PER_RUN_ALARM_PERIOD),
      threshold: RUNS_BEHIND_ALARM_RUNS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription: `Sync job ${name} ended ${RUNS_BEHIND_ALARM_RUNS} or more successful runs in a row with caughtUp: false (RunsBehindInARow): each run stops at the safety margin before reaching the present, so the job cannot catch up within its ${timeoutSeconds} s timeout, and sync-lag will follow. Raise timeoutSeconds (at most 900) or pageSize, or check endpoint latency (RunDurationMs); the run ledger's watermarkAfter shows how far each run got. Expected for a while during a first backfill from initialStart. Clears when a run catches up; missing data keeps the state, and no runs at all is the no-successful-run alarm's case.`,
    });
    this.alarm(scope, 'RecordsQuarantined', `${name}-records-quarantined`, {
      metric: metrics.recordsQuarantined(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Sync job ${name} quarantined source rows DynamoDB can never store as records (RecordsQuarantined): a key over 1,024 bytes, an item over 400 KB, a number out of range. Each row is kept whole in the control table (pk job#${name}, sk beginning quarantine#; rawRow, or rawRowLocation for a large one) and the sync went on past it. The "Record quarantined" log line names it; fix the cause (e.g. keyFields) and re-import the rows from there.`,
    });
    this.alarm(scope, 'DurationNearTimeout', `${name}-duration-near-timeout`, {
      metric: metrics.runDurationMs(),
      threshold: Math.round(timeoutMs * DURATION_ALARM_FRACTION),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `A run of sync job ${name} took more than ${DURATION_ALARM_FRACTION * 100}% of its ${timeoutSeconds} s timeout (RunDurationMs). A backlog or a slow endpoint: raise timeoutSeconds or pageSize, or check endpoint latency.`,
    });
    this.alarm(scope, 'AccessDenied', `${name}-access-denied`, {
      metric: metrics.accessDenied(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Sync job ${name} was denied access (AuthFailure, any Cause except "${RECOVERED_AUTH_CAUSE}": a rotation the client recovered from is counted as ${RECOVERED_AUTH_CAUSE} and excluded). The Cause dimension and the "Access denied" log line say which of: ${ACCESS_DENIED_CAUSES.filter((c) => c !== RECOVERED_AUTH_CAUSE).join(', ')}.`,
    });
    this.alarm(scope, 'AppKeyExpiring', `${name}-app-key-expiring`, {
      metric: metrics.appKeyDaysToExpiry(Duration.hours(1)),
      threshold: expiryAlarmDays,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // Published once per run: keep the state between runs.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription: rotation
        ? `The app key of sync job ${name} expires within ${expiryAlarmDays} day${expiryAlarmDays === 1 ? '' : 's'} (AppKeyDaysToExpiry, from the secret's expiresAt): its rotation, due every ${rotation.rotation.everyDays} days, is overdue. See the ${name}-key-rotation-failed alarm and the rotation function's log; rotate now with aws secretsmanager rotate-secret, or put a new key by hand.`
        : `The app key of sync job ${name} expires within ${expiryAlarmDays} day${expiryAlarmDays === 1 ? '' : 's'} (AppKeyDaysToExpiry, from the secret's expiresAt). Create a new key on the server and put it, with its expiresAt, in the secret.`,
    });
    this.functionErrorsAlarm(scope, job.function, `${name}-lambda-errors`, `sync job ${name}`);
    this.deadLettersAlarm(scope, job.invocation, `${name}-dead-letters`, `sync job ${name}`);

    const runsPeriod = Duration.hours(1);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `## Sync job ${name}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: `${name}: runs and outcomes`,
        left: [
          metrics.runSucceeded(runsPeriod).with({ label: 'succeeded' }),
          metrics.runFailed(runsPeriod).with({ label: 'failed' }),
          metrics.runSkippedLockHeld(runsPeriod).with({ label: 'skipped (lock held)' }),
        ],
        stacked: true,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: records synced`,
        left: [metrics.recordsSynced(runsPeriod).with({ label: 'records written' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: lag behind the source (s)`,
        left: [metrics.syncLagSeconds(runsPeriod).with({ label: 'lag (s), max' })],
        leftAnnotations: [{ value: lagAlarmSeconds, label: 'stalled (alarm)', color: cloudwatch.Color.RED }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: runs behind in a row`,
        left: [metrics.runsBehindInARow(runsPeriod).with({ label: 'succeeded runs not caught up, max' })],
        leftAnnotations: [
          { value: RUNS_BEHIND_ALARM_RUNS, label: 'cannot catch up (alarm)', color: cloudwatch.Color.RED },
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: run duration vs timeout (ms)`,
        left: [metrics.runDurationMs(runsPeriod).with({ label: 'duration (ms), max' })],
        leftAnnotations: [
          { value: timeoutMs, label: 'timeout', color: cloudwatch.Color.RED },
          { value: timeoutMs * DURATION_ALARM_FRACTION, label: `${DURATION_ALARM_FRACTION * 100}% (alarm)` },
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: Access Denied by cause`,
        left: ACCESS_DENIED_CAUSES.map((cause) =>
          metrics.authFailure(cause, runsPeriod).with({ label: cause }),
        ),
        stacked: true,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: app key days to expiry`,
        left: [metrics.appKeyDaysToExpiry(runsPeriod).with({ label: 'days left, min' })],
        leftAnnotations: [{ value: expiryAlarmDays, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: lease lock`,
        left: [
          metrics.lockTakeover(runsPeriod).with({ label: 'taken over from a crashed run' }),
          metrics.lockLostBeforeRelease(runsPeriod).with({ label: 'lost before release' }),
        ],
        width: 8,
      }),
      ...(rotation ? monitorRotation(scope, rotation, (...args) => this.alarm(...args)) : []),
    );
  }

  private monitorClockSkew(monitor: ClockSkewMonitor): void {
    const period = Duration.minutes(Math.max(1, monitor.config.schedule.intervalMinutes ?? 5));
    const scope = new Construct(this, 'ClockSkew');
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.TextWidget({ markdown: '## Clock skew', width: 24, height: 1 }),
    ];
    for (const target of monitor.config.targets) {
      const metrics = new SkewTargetMetrics(target.name);
      const targetScope = new Construct(scope, `Target-${target.name}`);
      this.alarm(targetScope, 'SkewOverTolerance', `clock-skew-${target.name}`, {
        metric: metrics.absOffsetUpperMs(period),
        threshold: target.toleranceMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The clock of ${target.name} (${target.url}) differs from ours by more than ${target.toleranceMs} ms (ClockAbsOffsetUpperMs = |offset| + bound) in 2 of 3 measurements. Fix NTP on that server; an offset near a multiple of 15 min is a time zone misconfiguration (SuspectedTimezone).`,
      });
      this.alarm(targetScope, 'MeasurementFailed', `clock-skew-${target.name}-measurement-failed`, {
        metric: metrics.measurementFailed(period),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The clock of ${target.name} (${target.url}) could not be measured in 2 of 3 attempts (MeasurementFailed): unreachable, a timeout, or no readable Date header. See the monitor's log.`,
      });
      // Without it a cache or a disagreeing server pool in front of the target would go unnoticed: such a
      // run publishes no offset (the skew alarm sees missing data) and is not a failed measurement.
      this.alarm(targetScope, 'DateInconsistent', `clock-skew-${target.name}-date-inconsistent`, {
        metric: metrics.dateInconsistent(period),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The Date headers of ${target.name} (${target.url}) cannot come from one clock in 2 of 3 measurements (DateInconsistent): a cache replaying old answers, or a load-balanced pool whose servers' clocks disagree. Point the target at one server behind no cache; if it is a pool, fix NTP on every server.`,
      });
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${target.name}: offset and bound (ms)`,
          left: [
            metrics.offsetMs(period).with({ label: 'offset (server - ours)' }),
            metrics.offsetBoundMs(period).with({ label: 'bound (±)' }),
            metrics.absOffsetUpperMs(period).with({ label: '|offset| + bound (alarm)' }),
          ],
          leftAnnotations: [
            { value: target.toleranceMs, label: 'tolerance', color: cloudwatch.Color.RED },
            { value: -target.toleranceMs, label: '-tolerance', color: cloudwatch.Color.RED },
          ],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${target.name}: measurement problems`,
          left: [
            metrics.measurementFailed(period).with({ label: 'measurement failed' }),
            metrics.dateInconsistent(period).with({ label: 'Date inconsistent (cache?)' }),
            metrics.suspectedTimezone(period).with({ label: 'suspected time zone' }),
          ],
          width: 12,
        }),
      );
    }
    if (monitor.config.pairs.length > 0) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Pairwise skew (ms)',
          left: monitor.config.pairs.map(([a, b]) =>
            pairwiseSkewMs(`${a}|${b}`, period).with({ label: `${a} vs ${b}` }),
          ),
          width: 24,
        }),
      );
    }
    this.functionErrorsAlarm(scope, monitor.function, 'clock-skew-lambda-errors', 'the clock-skew monitor');
    this.deadLettersAlarm(scope, monitor.invocation, 'clock-skew-dead-letters', 'the clock-skew monitor');
    this.dashboard.addWidgets(...widgets);
  }

  private functionErrorsAlarm(scope: Construct, fn: ServiceFunction, name: string, what: string): void {
    this.alarm(scope, 'LambdaErrors', name, {
      metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The Lambda of ${what} ended an invocation with an error (AWS/Lambda Errors), including timeouts and start-up failures (bad configuration) that publish no run metrics. See its log group.`,
    });
  }

  private deadLettersAlarm(
    scope: Construct,
    invocation: ScheduledInvocation,
    name: string,
    what: string,
  ): void {
    this.alarm(scope, 'DeadLetters', name, {
      metric: invocation.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The dead-letter queue of ${what} is not empty: Scheduler could not deliver an invocation, or an invocation failed (the message holds the error). Read the messages, fix the cause, then purge the queue.`,
    });
  }

  private alarm(
    scope: Construct,
    id: string,
    name: string,
    props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'evaluationPeriods'> & { evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      evaluationPeriods: 1,
      ...props,
      alarmName: `${this.prefix}-${name}`,
      actionsEnabled: true,
    });
    alarm.addAlarmAction(this.props.alarmAction);
    this.alarms.push(alarm);
    return alarm;
  }
}
