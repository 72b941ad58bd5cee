// The metric names the lock publishes; it reports through the shared seams (MetricsSink, LogSink).

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
