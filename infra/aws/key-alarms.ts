// The alarms on a job's app key: it nears its expiry (AppKeyDaysToExpiry), or its expiry cannot be known
// (AppKeyExpiryUnknown), which would leave the first without data. Both metrics come from every run,
// skipped ones included (functions/app-key/expiry-report.ts says from where).
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
/** Both key metrics are published once per run: an hour holds at least one run of a frequent job. */
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
const DAYS_SOURCE =
  "AppKeyDaysToExpiry, from the secret's expiresAt, else from the key's own GetExpirationDate on ThingWorx";

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
    // Published once per run: keep the state between runs. No data at all is app-key-expiry-unknown's case.
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: rotation
      ? `The app key of sync job ${name} expires within ${within} (${DAYS_SOURCE}): its rotation, due every ${rotation.rotation.everyDays} days, is overdue. See the ${name}-key-rotation-failed alarm and the rotation function's log; rotate now with aws secretsmanager rotate-secret, or put a new key by hand.`
      : `The app key of sync job ${name} expires within ${within} (${DAYS_SOURCE}). Create a new key on the server and put it, with its expiresAt, in the secret. Without either source this alarm has no data: ${name}-app-key-expiry-unknown fires instead.`,
  });
  // Maximum: every run that publishes 1 could not know (a skipped run that merely did not look publishes
  // nothing), so one is enough. Missing data keeps the state, as for the days: runs may be hours apart.
  alarm(scope, 'AppKeyExpiryUnknown', `${name}-app-key-expiry-unknown`, {
    metric: metrics.appKeyExpiryUnknown(KEY_ALARM_PERIOD),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: `Nobody knows when the app key of sync job ${name} expires (AppKeyExpiryUnknown = 1), so ${name}-app-key-expiring cannot fire before it does. The secret gives no "expiresAt", and the run could not ask ThingWorx: no key name (neither the secret's "keyName" nor the job's endpoint.keyName), or the key's user may not call the key's own GetExpirationDate (HTTP 403), or no key has that name. Do one: put the secret as JSON with "expiresAt" (aws secretsmanager put-secret-value, {"appKey": "...", "expiresAt": "ISO-8601", "keyName": "..."}), or name the key and grant its user ServiceInvoke on GetExpirationDate of that ApplicationKey. The log line "The app key expiry is unknown" says which case. With access-denied in ALARM, fix that first.`,
  });
}
