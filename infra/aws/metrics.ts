// The CloudWatch metrics the Lambdas publish (Powertools EMF), built apart from the alarms and widgets that
// use them. Names and dimensions must match functions/: the sync's names come from its own SyncMetric, and
// test/infra/monitoring.test.ts checks that every sync metric used here is one the sync publishes.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/diagnose.js';
import { ADMIN_KEY_DAYS_TO_EXPIRY_METRIC } from '../../functions/rotate-key/admin-key-check.js';
import { SyncMetric } from '../../functions/sync/sync-job.js';

/** POWERTOOLS_SERVICE_NAME of every function: the `service` dimension of every metric. */
export const SERVICE_NAME = 'syncwarden';
/** Same value as METRICS_NAMESPACE in functions/shared/powertools.ts. */
export const METRICS_NAMESPACE = 'SyncWarden';

/** A recovered rotation: logged and counted, but not a failure worth waking anyone for. */
export const RECOVERED_AUTH_CAUSE = 'stale-key';
export const ALARMING_AUTH_CAUSES = ACCESS_DENIED_CAUSES.filter((cause) => cause !== RECOVERED_AUTH_CAUSE);

const FIVE_MINUTES = Duration.minutes(5);

/** Unlabelled, so an alarm renders it as a plain metric; widgets add labels with `.with({ label })`. */
function metric(
  metricName: string,
  dimensionsMap: Record<string, string>,
  statistic: string,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...dimensionsMap },
    statistic,
    period,
  });
}

/** Metrics of one sync job (default dimension `Job`). */
export class SyncJobMetrics {
  constructor(readonly job: string) {}

  private of(name: string, statistic: string, period: Duration = FIVE_MINUTES) {
    return metric(name, { Job: this.job }, statistic, period);
  }

  runSucceeded(period?: Duration) {
    return this.of(SyncMetric.succeeded, cloudwatch.Stats.SUM, period);
  }
  runFailed(period?: Duration) {
    return this.of(SyncMetric.failed, cloudwatch.Stats.SUM, period);
  }
  runSkippedLockHeld(period?: Duration) {
    return this.of('RunSkippedLockHeld', cloudwatch.Stats.SUM, period);
  }
  recordsSynced(period?: Duration) {
    return this.of(SyncMetric.recordsSynced, cloudwatch.Stats.SUM, period);
  }
  /** Records DynamoDB can never accept, kept in quarantine items instead (newly quarantined only). */
  recordsQuarantined(period?: Duration) {
    return this.of(SyncMetric.recordsQuarantined, cloudwatch.Stats.SUM, period);
  }
  /** Seconds from a run's end back to the newest source time the records table is complete up to. */
  syncLagSeconds(period?: Duration) {
    return this.of(SyncMetric.lagSeconds, cloudwatch.Stats.MAXIMUM, period);
  }
  /** Succeeded runs in a row that ended `caughtUp: false` (0 once a run catches up). */
  runsBehindInARow(period?: Duration) {
    return this.of(SyncMetric.runsBehind, cloudwatch.Stats.MAXIMUM, period);
  }
  runDurationMs(period?: Duration) {
    return this.of(SyncMetric.durationMs, cloudwatch.Stats.MAXIMUM, period);
  }
  appKeyDaysToExpiry(period?: Duration) {
    return this.of('AppKeyDaysToExpiry', cloudwatch.Stats.MINIMUM, period);
  }
  /** 1 from a run that cannot know when the key expires, 0 from one that knows (functions/app-key/expiry-report.ts). */
  appKeyExpiryUnknown(period?: Duration) {
    return this.of('AppKeyExpiryUnknown', cloudwatch.Stats.MAXIMUM, period);
  }
  /** Published daily by the job's rotation function from its admin secret (functions/rotate-key/admin-key-check.ts). */
  adminKeyDaysToExpiry(period?: Duration) {
    return this.of(ADMIN_KEY_DAYS_TO_EXPIRY_METRIC, cloudwatch.Stats.MINIMUM, period);
  }
  lockTakeover(period?: Duration) {
    return this.of('LockTakeover', cloudwatch.Stats.SUM, period);
  }
  lockLostBeforeRelease(period?: Duration) {
    return this.of('LockLostBeforeRelease', cloudwatch.Stats.SUM, period);
  }
  authFailure(cause: string, period?: Duration) {
    return metric(
      'AuthFailure',
      { Job: this.job, Cause: cause },
      cloudwatch.Stats.SUM,
      period ?? FIVE_MINUTES,
    );
  }

  /** Access Denied failures of every cause except a recovered rotation (`stale-key`). */
  accessDenied(period: Duration = FIVE_MINUTES): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(
      ALARMING_AUTH_CAUSES.map((cause, index) => [`cause${index}`, this.authFailure(cause, period)]),
    );
    return new cloudwatch.MathExpression({
      expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      period,
      label: 'Access Denied (all causes but stale-key)',
    });
  }
}

/** Metrics of one clock-skew target (dimension `Target`). */
export class SkewTargetMetrics {
  constructor(readonly target: string) {}

  private of(name: string, statistic: string, period: Duration = FIVE_MINUTES) {
    return metric(name, { Target: this.target }, statistic, period);
  }

  offsetMs(period?: Duration) {
    return this.of('ClockOffsetMs', cloudwatch.Stats.AVERAGE, period);
  }
  offsetBoundMs(period?: Duration) {
    return this.of('ClockOffsetBoundMs', cloudwatch.Stats.MAXIMUM, period);
  }
  absOffsetUpperMs(period?: Duration) {
    return this.of('ClockAbsOffsetUpperMs', cloudwatch.Stats.MAXIMUM, period);
  }
  measurementFailed(period?: Duration) {
    return this.of('MeasurementFailed', cloudwatch.Stats.SUM, period);
  }
  dateInconsistent(period?: Duration) {
    return this.of('DateInconsistent', cloudwatch.Stats.SUM, period);
  }
  suspectedTimezone(period?: Duration) {
    return this.of('SuspectedTimezone', cloudwatch.Stats.SUM, period);
  }
}

/** `PairwiseSkewMs` of two targets (dimension `Pair`, `<a>|<b>` as the monitor names it). */
export function pairwiseSkewMs(pair: string, period: Duration = FIVE_MINUTES): cloudwatch.Metric {
  return metric('PairwiseSkewMs', { Pair: pair }, cloudwatch.Stats.MAXIMUM, period);
}
