// The dashboard widgets of one sync job: runs and outcomes, records, lag, runs behind, duration, Access
// Denied causes, the key's days to expiry (and whether it is unknown) and the lease lock, with each
// alarm's threshold drawn in.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/diagnose.js';
import type { JobConfig } from '../config/schema.js';
import { DURATION_ALARM_FRACTION, RUNS_BEHIND_ALARM_RUNS, syncLagAlarmSeconds } from './job-alarms.js';
import { keyExpiryAlarmDays } from './key-alarms.js';
import type { SyncJobMetrics } from './metrics.js';

export function jobWidgets(job: JobConfig, metrics: SyncJobMetrics): cloudwatch.IWidget[] {
  const { name } = job;
  const lagAlarmSeconds = syncLagAlarmSeconds(job);
  const timeoutMs = job.timeoutSeconds * 1000;
  const expiryAlarmDays = keyExpiryAlarmDays(job);
  const runsPeriod = Duration.hours(1);
  return [
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
      // 1 while no run can tell the days: the line on the left then stops, and this says why.
      right: [metrics.appKeyExpiryUnknown(runsPeriod).with({ label: 'expiry unknown (1), max' })],
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
  ];
}
