// One run of the clock-skew monitor: measure every target, compare the configured pairs, publish the
// metrics (every flag every run, 0 or 1, so alarms always have data) and keep each last measurement.
// An unreachable target is a failed measurement to report, never a failed run.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../shared/clock.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import type { DimensionedMetricsSink, LogSink, MetricUnitName } from '../shared/observability.js';
import { type PairwiseSkew, pairwiseSkew } from './interval.js';
import { type MeasureOptions, measureTarget, type SkewMeasurement } from './measure.js';
import type { MeasurementClock } from './measurement-clock.js';
import type { ProbeTransport } from './probe-transport.js';
import type { SkewMonitorConfig } from './skew-config.js';
import { SkewStore } from './skew-store.js';

export interface SkewMonitorDependencies {
  readonly transport: ProbeTransport;
  readonly startClock: () => MeasurementClock;
  readonly documentClient: DynamoDBDocumentClient;
  readonly metrics: DimensionedMetricsSink;
  readonly logger: LogSink;
  /** Stamps `failedAt`. */
  readonly clock: Clock;
  readonly measureOptions?: MeasureOptions;
}

export interface SkewMonitorReport {
  readonly measurements: readonly SkewMeasurement[];
  /** Only pairs whose two targets both have a usable measurement this run. */
  readonly pairs: readonly PairwiseSkew[];
}

/** Targets measured at once; each mostly waits for its next second boundary. */
const MEASURE_CONCURRENCY = 4;

export async function runSkewMonitor(
  config: Pick<SkewMonitorConfig, 'controlTable' | 'targets' | 'pairs' | 'requestTimeoutMs'> &
    Partial<Pick<SkewMonitorConfig, 'consistencyChecks'>>,
  deps: SkewMonitorDependencies,
): Promise<SkewMonitorReport> {
  const measurements = await mapWithConcurrency(config.targets, MEASURE_CONCURRENCY, (target) =>
    measureTarget(
      target,
      { transport: deps.transport, startClock: deps.startClock },
      {
        requestTimeoutMs: config.requestTimeoutMs,
        ...(config.consistencyChecks ? { consistencyChecks: config.consistencyChecks } : {}),
        ...deps.measureOptions,
      },
    ),
  );
  const byName = new Map(measurements.map((m) => [m.target, m]));

  for (const measurement of measurements) {
    publishMeasurement(deps.metrics, measurement);
    logMeasurement(deps.logger, measurement);
  }
  // The per-target metrics are single metrics with their own dimension; this one, on the function's
  // own metric set, says the monitor ran (and keeps Powertools from warning of an empty flush).
  deps.metrics.addMetric('ClockSkewTargetsMeasured', 'Count', measurements.length);

  const pairs: PairwiseSkew[] = [];
  for (const [a, b] of config.pairs) {
    const first = byName.get(a);
    const second = byName.get(b);
    if (first?.outcome !== 'measured' || second?.outcome !== 'measured') {
      deps.logger.warn('pairwise skew not measured: a target has no usable offset this run', {
        pair: `${a}|${b}`,
      });
      continue;
    }
    const skew = pairwiseSkew({ name: a, ...first }, { name: b, ...second });
    pairs.push(skew);
    // The upper bound, like ClockAbsOffsetUpperMs: an alarm on it never misses a real disagreement.
    dimensioned(deps.metrics, 'Pair', skew.pair, 'PairwiseSkewMs', 'Milliseconds', skew.absSkewUpperMs);
    deps.logger.info('pairwise clock skew', { ...skew });
  }

  const store = new SkewStore(deps.documentClient, config.controlTable);
  const writes = await Promise.allSettled(
    config.targets.map((target, index) =>
      store.record(target, measurements[index] as SkewMeasurement, deps.clock.nowMs()),
    ),
  );
  const failedWrites = writes.flatMap((write, index) =>
    write.status === 'rejected' ? [{ target: config.targets[index]?.name, error: String(write.reason) }] : [],
  );
  if (failedWrites.length > 0) {
    deps.logger.error('could not store skew measurements', { failedWrites });
    // Throw, so the invocation counts as failed: the sync would otherwise read a stale offset unnoticed.
    throw new Error(
      `storing the skew measurement failed for ${failedWrites.map((w) => w.target).join(', ')}`,
    );
  }
  return { measurements, pairs };
}

function publishMeasurement(metrics: DimensionedMetricsSink, m: SkewMeasurement): void {
  const publish = (name: string, unit: MetricUnitName, value: number) =>
    dimensioned(metrics, 'Target', m.target, name, unit, value);
  if (m.outcome === 'measured') {
    publish('ClockOffsetMs', 'Milliseconds', m.offsetMs);
    publish('ClockOffsetBoundMs', 'Milliseconds', m.boundMs);
    publish('ClockAbsOffsetUpperMs', 'Milliseconds', m.absOffsetUpperMs);
  }
  publish('DateInconsistent', 'Count', m.dateInconsistent ? 1 : 0);
  publish('SuspectedTimezone', 'Count', m.suspectedTimezone ? 1 : 0);
  publish('MeasurementFailed', 'Count', m.measurementFailed ? 1 : 0);
}

function dimensioned(
  metrics: DimensionedMetricsSink,
  dimension: string,
  value: string,
  name: string,
  unit: MetricUnitName,
  metricValue: number,
): void {
  const metric = metrics.singleMetric();
  metric.addDimension(dimension, value);
  metric.addMetric(name, unit, metricValue);
}

function logMeasurement(logger: LogSink, m: SkewMeasurement): void {
  if (m.outcome === 'measured') {
    const level = m.overTolerance || m.suspectedTimezone ? 'warn' : 'info';
    logger[level]('clock offset measured', { ...m });
  } else if (m.outcome === 'inconsistent') {
    logger.warn('clock answers are inconsistent: a cache or servers with different clocks answered', {
      ...m,
    });
  } else {
    logger.error('clock offset could not be measured', { ...m });
  }
}
