// The seams every domain module reports through: small interfaces that the Powertools Metrics and
// Logger singletons satisfy, so tests can record what a module says without CloudWatch.

/** CloudWatch units syncwarden publishes (a subset of Powertools' `MetricUnit`, same values). */
export type MetricUnitName = 'Count' | 'None' | 'Milliseconds' | 'Seconds' | 'Bytes';

/** Satisfied by the Powertools `Metrics` instance; metrics carry its default dimensions (e.g. `Job`). */
export interface MetricsSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
}

/** One metric with dimensions of its own, flushed on its own (Powertools `singleMetric()`). */
export interface SingleMetricSink extends MetricsSink {
  addDimension(name: string, value: string): unknown;
}

/** A sink that can also publish a metric under extra dimensions (e.g. `AuthFailure` by `Cause`). */
export interface DimensionedMetricsSink extends MetricsSink {
  singleMetric(): SingleMetricSink;
}

/** Satisfied by the Powertools `Logger` instance: a message plus one object of structured attributes. */
export interface LogSink {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
