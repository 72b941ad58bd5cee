// The two observability seams the key and endpoint modules need, kept minimal so Powertools
// Logger/Metrics satisfy them directly and tests can record what was emitted without CloudWatch.

/** CloudWatch units this code publishes with (a subset of Powertools' `MetricUnit`). */
export type MetricUnitName = 'Count' | 'None' | 'Milliseconds' | 'Seconds' | 'Bytes';

/** One metric with its own dimensions, flushed on its own (Powertools `singleMetric()`). */
export interface SingleMetricSink {
  addDimension(name: string, value: string): unknown;
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
}

/** Satisfied by Powertools `Metrics`. */
export interface MetricsSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  /** Metrics that need a dimension of their own (e.g. `Cause`) go through a single metric. */
  singleMetric(): SingleMetricSink;
}

/** Satisfied by Powertools `Logger`: a message plus one object of structured attributes. */
export interface LogSink {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
