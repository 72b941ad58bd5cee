// The alarms of one job's key rotation: a failed rotation step, and the admin key
// nearing its expiry (AdminKeyDaysToExpiry, published daily by the admin-key check, admin-key-check.ts).
// Split from monitoring.ts, which assembles it with the job's other alarms. Both stay per job: they read
// AWS/Lambda Errors of the job's own rotation function and the job's AdminKeyDaysToExpiry.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { AlarmFactory } from './alarm-factory.js';
import type { KeyRotation } from './key-rotation.js';
import { SyncJobMetrics } from './metrics.js';

/** Alarm when the admin key expires within this many days: a week to replace it by hand. */
export const ADMIN_KEY_EXPIRY_ALARM_DAYS = 7;

/** A failed step throws, so the rotation function's Errors count failed rotations. */
export function monitorRotation(scope: Construct, rotation: KeyRotation, alarm: AlarmFactory): void {
  const { jobName: name } = rotation;
  const fn = rotation.function.function;
  const metrics = new SyncJobMetrics(name);
  alarm(scope, 'KeyRotationFailed', `${name}-key-rotation-failed`, {
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `A step of the app-key rotation of sync job ${name} failed, or its daily admin key check did (AWS/Lambda Errors of its rotation function). AWSCURRENT did not move, so the sync keeps its current key. The rotation log names the step and the cause (admin key, key user, allowlist, test read); fix it, then aws secretsmanager rotate-secret --secret-id <the job's secret>.`,
  });
  // One datapoint a day. Missing data breaches: a check that stopped running (or an admin secret without
  // expiresAt, which publishes nothing) must not look healthy. Two daily periods, both breaching, so the
  // check landing late in its day is no alarm; the evaluation range is 2 days, inside CloudWatch's 7.
  alarm(scope, 'AdminKeyExpiring', `${name}-admin-key-expiring`, {
    metric: metrics.adminKeyDaysToExpiry(Duration.days(1)),
    threshold: ADMIN_KEY_EXPIRY_ALARM_DAYS,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    alarmDescription: `The admin key that rotates the app key of sync job ${name} expires within ${ADMIN_KEY_EXPIRY_ALARM_DAYS} days, or its expiry is unknown (AdminKeyDaysToExpiry, published daily from the admin secret's expiresAt; missing data breaches). syncwarden does not rotate the admin key: create a new one on ThingWorx and put it, with its "expiresAt", in the admin secret (aws secretsmanager put-secret-value). No data: the admin secret has no expiresAt, or the daily check fails (see the rotation function's log).`,
  });
}
