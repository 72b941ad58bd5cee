// The CloudWatch metrics the Lambdas publish (Powertools EMF), built apart from the alarms and widgets that
// use them. Names and dimensions must match functions/: the sync's names come from its own SyncMetric, and
// the infra tests check that every metric used here is one the code publishes.
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

/**
 * The sync's own metrics, for the whole deployment: since issue 14 they carry only `service`, so they cost
 * the same for 1 job as for 100 (the job is a property of each EMF line, `Job`, for Logs Insights). What is
 * wrong with one job is the job-health check's JobProblems (problem-alarms.ts), not these.
 */
export const deploymentSyncMetrics = {
  runSucceeded: (period: Duration = FIVE_MINUTES) =>
    metric(SyncMetric.succeeded, {}, cloudwatch.Stats.SUM, period),
  runFailed: (period: Duration = FIVE_MINUTES) => metric(SyncMetric.failed, {}, cloudwatch.Stats.SUM, period),
  runSkippedLockHeld: (period: Duration = FIVE_MINUTES) =>
    metric('RunSkippedLockHeld', {}, cloudwatch.Stats.SUM, period),
  recordsSynced: (period: Duration = FIVE_MINUTES) =>
    metric(SyncMetric.recordsSynced, {}, cloudwatch.Stats.SUM, period),
  recordsQuarantined: (period: Duration = FIVE_MINUTES) =>
    metric(SyncMetric.recordsQuarantined, {}, cloudwatch.Stats.SUM, period),
  /** The worst of the jobs' lags: which job, JobProblems and the health check's log say. */
  syncLagSeconds: (period: Duration = FIVE_MINUTES) =>
    metric(SyncMetric.lagSeconds, {}, cloudwatch.Stats.MAXIMUM, period),
  runDurationMs: (period: Duration = FIVE_MINUTES) =>
    metric(SyncMetric.durationMs, {}, cloudwatch.Stats.MAXIMUM, period),
  /** Access Denied by Cause, every job together (dimension `Cause`; the job is in the log line). */
  authFailure: (cause: string, period: Duration = FIVE_MINUTES) =>
    metric('AuthFailure', { Cause: cause }, cloudwatch.Stats.SUM, period),
};

/** Metrics of one job that still carry `Job`: the admin key's, from the job's own rotation function. */
export class SyncJobMetrics {
  constructor(readonly job: string) {}

  /** Published daily by the job's rotation function from its admin secret (functions/rotate-key/admin-key-check.ts). */
  adminKeyDaysToExpiry(period: Duration = FIVE_MINUTES) {
    return metric(ADMIN_KEY_DAYS_TO_EXPIRY_METRIC, { Job: this.job }, cloudwatch.Stats.MINIMUM, period);
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
