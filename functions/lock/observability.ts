// The two seams the lock reports through: a metrics sink and a logger, each a small interface
// that the Powertools singletons satisfy, so tests can record what the lock says without CloudWatch.

/** Units the lock publishes; the values match Powertools' `MetricUnit.Count` and `MetricUnit.Milliseconds`. */
export type LockMetricUnit = 'Count' | 'Milliseconds';

/** Satisfied by the Powertools `Metrics` instance. */
export interface MetricsSink {
  addMetric(name: string, unit: LockMetricUnit, value: number): unknown;
}

/** Satisfied by the Powertools `Logger` instance. */
export interface LockLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** Metric names, exact: dashboards and alarms refer to them. */
export const LockMetric = {
  /** A run took the lock (a takeover also counts here). */
  acquired: 'LockAcquired',
  /** A run found the lock held by a live lease and skipped: runs are overlapping. */
  runSkippedLockHeld: 'RunSkippedLockHeld',
  /** A run took the lock over an expired lease whose owner never released it (a crash or a timeout). */
  takeover: 'LockTakeover',
  /** A run's release found another owner or fence: its lease expired and was taken while it worked. */
  lostBeforeRelease: 'LockLostBeforeRelease',
  /** How long a run held the lock, measured at release. */
  heldMs: 'LockHeldMs',
} as const;
