// The alarms on how a job's runs go: failed, missing, overlapping, stalled, behind, quarantining, slow,
// denied. Each description says what it means and what to do (the README's alarm table says the same).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/diagnose.js';
import type { JobConfig } from '../config/schema.js';
import type { AlarmFactory } from './alarm-factory.js';
import { RECOVERED_AUTH_CAUSE, type SyncJobMetrics } from './metrics.js';

/** Alarm when a run takes more than this share of its timeout. */
export const DURATION_ALARM_FRACTION = 0.8;
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
export function intervalMinutesOf(job: JobConfig): number {
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

export function runAlarms(
  scope: Construct,
  job: JobConfig,
  metrics: SyncJobMetrics,
  alarm: AlarmFactory,
): void {
  const { name, timeoutSeconds } = job;
  const interval = Duration.minutes(intervalMinutesOf(job));
  const twoIntervals = Duration.minutes(2 * intervalMinutesOf(job));
  const lagAlarmSeconds = syncLagAlarmSeconds(job);
  const timeoutMs = timeoutSeconds * 1000;

  alarm(scope, 'RunFailed', `${name}-run-failed`, {
    metric: metrics.runFailed(),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `A run of sync job ${name} failed (RunFailed). The run ledger and the log line "Run failed" name the cause; the next scheduled run resumes from the watermark.`,
  });
  alarm(scope, 'NoSuccessfulRun', `${name}-no-successful-run`, {
    metric: metrics.runSucceeded(twoIntervals),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // No data is the symptom: runs that never start publish nothing.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    alarmDescription: `Gap alarm: sync job ${name} has had no successful run for 2 schedule intervals (${twoIntervals.toHumanString()}). Missing data counts as breaching, so it also fires when runs stop entirely (schedule disabled, invocation failures, placeholder secret never filled).`,
  });
  alarm(scope, 'RepeatedLockSkips', `${name}-repeated-lock-skips`, {
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
  alarm(scope, 'SyncLag', `${name}-sync-lag`, {
    metric: metrics.syncLagSeconds(PER_RUN_ALARM_PERIOD),
    threshold: lagAlarmSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: `Watermark stalled: a run of sync job ${name} ended more than ${lagAlarmSeconds} s (2 schedule intervals of ${interval.toHumanString()} + the ${job.sync.overlapMs / 1000} s overlap) behind the source (SyncLagSeconds: run end minus the newest source time the records table is complete up to), even if runs succeed. With runs-behind also in ALARM, runs stop at the safety margin before catching up: raise timeoutSeconds or pageSize, or check endpoint latency. With run-failed, access-denied or repeated-lock-skips in ALARM, fix that first. The run ledger shows watermarkAfter, caughtUp and reason per run. Expected during a first backfill from initialStart. Missing data keeps the state (runs are hours apart); no runs at all is the no-successful-run alarm's case.`,
  });
  // Published on every succeeded run (failed and skipped runs publish none and leave the state as it is);
  // same period and missing-data reasoning as the lag alarm above.
  alarm(scope, 'RunsBehind', `${name}-runs-behind`, {
    metric: metrics.runsBehindInARow(PER_RUN_ALARM_PERIOD),
    threshold: RUNS_BEHIND_ALARM_RUNS,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: `Sync job ${name} ended ${RUNS_BEHIND_ALARM_RUNS} or more successful runs in a row with caughtUp: false (RunsBehindInARow): each run stops at the safety margin before reaching the present, so the job cannot catch up within its ${timeoutSeconds} s timeout, and sync-lag will follow. Raise timeoutSeconds (at most 900) or pageSize, or check endpoint latency (RunDurationMs); the run ledger's watermarkAfter shows how far each run got. Expected for a while during a first backfill from initialStart. Clears when a run catches up; missing data keeps the state, and no runs at all is the no-successful-run alarm's case.`,
  });
  alarm(scope, 'RecordsQuarantined', `${name}-records-quarantined`, {
    metric: metrics.recordsQuarantined(),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `Sync job ${name} quarantined source rows DynamoDB can never store as records (RecordsQuarantined): a key over 1,024 bytes, an item over 400 KB, a number out of range. Each row is kept whole in the control table (pk job#${name}, sk beginning quarantine#; rawRow, or rawRowLocation for a large one) and the sync went on past it. The "Record quarantined" log line names it; fix the cause (e.g. keyFields) and re-import the rows from there.`,
  });
  alarm(scope, 'DurationNearTimeout', `${name}-duration-near-timeout`, {
    metric: metrics.runDurationMs(),
    threshold: Math.round(timeoutMs * DURATION_ALARM_FRACTION),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `A run of sync job ${name} took more than ${DURATION_ALARM_FRACTION * 100}% of its ${timeoutSeconds} s timeout (RunDurationMs). A backlog or a slow endpoint: raise timeoutSeconds or pageSize, or check endpoint latency.`,
  });
  alarm(scope, 'AccessDenied', `${name}-access-denied`, {
    metric: metrics.accessDenied(),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `Sync job ${name} was denied access (AuthFailure, any Cause except "${RECOVERED_AUTH_CAUSE}": a rotation the client recovered from is counted as ${RECOVERED_AUTH_CAUSE} and excluded). The Cause dimension and the "Access denied" log line say which of: ${ACCESS_DENIED_CAUSES.filter((c) => c !== RECOVERED_AUTH_CAUSE).join(', ')}.`,
  });
}
