// The seams every domain module reports through: small interfaces that the Powertools Metrics and
// Logger singletons satisfy, so tests can record what a module says without CloudWatch.

/** Units syncwarden publishes; the values match Powertools' `MetricUnit`. */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'Seconds';

/** Satisfied by the Powertools `Metrics` instance. */
export interface MetricsSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
}

/** Satisfied by the Powertools `Logger` instance. */
export interface LogSink {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
