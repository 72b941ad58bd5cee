// The alarms on a job's app key: it nears its expiry (AppKeyDaysToExpiry, from every run, skipped ones
// included: functions/app-key/expiry-report.ts says from where).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { JobConfig } from '../config/schema.js';
import type { AlarmFactory } from './alarm-factory.js';
import type { KeyRotation } from './key-rotation.js';
import type { SyncJobMetrics } from './metrics.js';

/** Alarm when the app key expires within this many days. */
export const KEY_EXPIRY_ALARM_DAYS = 7;
/** Secrets Manager rotates at a random hour of the scheduled day: a rotation is late only after it. */
const ROTATION_WINDOW_HOURS = 24;
/** The key metrics are published once per run: an hour holds at least one run of a frequent job. */
export const KEY_ALARM_PERIOD = Duration.hours(1);

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

/** Where the days come from, as the alarm descriptions say it. */
const DAYS_SOURCE = "AppKeyDaysToExpiry, from the secret's expiresAt";

export function keyAlarms(
  scope: Construct,
  job: JobConfig,
  metrics: SyncJobMetrics,
  rotation: KeyRotation | undefined,
  alarm: AlarmFactory,
): void {
  const { name } = job;
  const days = keyExpiryAlarmDays(job);
  const within = `${days} day${days === 1 ? '' : 's'}`;
  alarm(scope, 'AppKeyExpiring', `${name}-app-key-expiring`, {
    metric: metrics.appKeyDaysToExpiry(KEY_ALARM_PERIOD),
    threshold: days,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // Published once per run: keep the state between runs.
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: rotation
      ? `The app key of sync job ${name} expires within ${within} (${DAYS_SOURCE}): its rotation, due every ${rotation.rotation.everyDays} days, is overdue. See the ${name}-key-rotation-failed alarm and the rotation function's log; rotate now with aws secretsmanager rotate-secret, or put a new key by hand.`
      : `The app key of sync job ${name} expires within ${within} (${DAYS_SOURCE}). Create a new key on the server and put it, with its expiresAt, in the secret.`,
  });
}
