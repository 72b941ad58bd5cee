// Check 8, throughput: rows per request and request latency as measured on the stream read, and from them
// the time a first sync of the stream's backlog takes, and whether the default schedule and timeout suit
// it. Endpoint time only: DynamoDB writes run alongside the next read (paginate.ts prefetches), so they
// add little, but the estimate says so.
import { SYNC_DEFAULTS } from '../../../functions/sync/sync-config.js';
import { DEFAULTS } from '../../config/defaults.js';
import { scheduleIntervalMinutes } from '../../config/schedule.js';
import type { CheckResult } from './report.js';
import type { StreamRead } from './stream-read.js';

export interface ThroughputEstimate {
  readonly rowsPerRequest: number;
  readonly medianRequestMs: number;
  /** Entries from the stream's oldest (or the read window's start) to now. */
  readonly backlogEntries: number;
  /** Whether the backlog reaches back past the window read (the stream's oldest entry is known). */
  readonly backlogFromOldest: boolean;
  readonly entriesPerHour: number;
  readonly firstSyncMs: number;
  /** Endpoint time a run has: the default timeout less the sync's safety margin. */
  readonly runBudgetMs: number;
  readonly intervalMs: number;
  readonly runsForBacklog: number;
  /** Entries a run can read in its budget, and entries arriving per schedule interval. */
  readonly entriesPerRun: number;
  readonly entriesPerInterval: number;
}

const HOUR_MS = 3_600_000;

/** Pure: the figures from what the read measured, for the default schedule and timeout. */
export function estimateThroughput(read: StreamRead): ThroughputEstimate | undefined {
  const requests = read.rowsPerRequest.length;
  if (requests === 0 || read.requestMs.length === 0) return undefined;
  const rowsPerRequest = read.rowsPerRequest.reduce((a, b) => a + b, 0) / requests;
  const sorted = [...read.requestMs].sort((a, b) => a - b);
  const medianRequestMs = sorted[Math.floor(sorted.length / 2)] as number;
  const coveredMs =
    (read.truncated ? (read.readUpToMs ?? read.windowEndMs) : read.windowEndMs) - read.windowStartMs;
  const entriesPerMs = coveredMs > 0 ? read.records / coveredMs : 0;
  // The current rate: the last hour when it was read (a stream that grew lately is judged by now, not by the day).
  const currentPerMs = read.truncated ? entriesPerMs : Math.max(entriesPerMs, read.lastHourEntries / HOUR_MS);
  const olderMs =
    read.oldestEntryMs !== undefined && read.oldestEntryMs < read.windowStartMs
      ? read.windowStartMs - read.oldestEntryMs
      : 0;
  const windowEntries = read.truncated
    ? entriesPerMs * (read.windowEndMs - read.windowStartMs)
    : read.records;
  const backlogEntries = Math.round(windowEntries + entriesPerMs * olderMs);
  const perRequest = Math.max(1, rowsPerRequest);
  const firstSyncMs = Math.ceil(backlogEntries / perRequest) * medianRequestMs;
  const runBudgetMs = DEFAULTS.jobTimeoutSeconds * 1000 - SYNC_DEFAULTS.safetyMarginMs;
  const intervalMs = (scheduleIntervalMinutes(DEFAULTS.jobSchedule.expression) ?? 240) * 60_000;
  const entriesPerRun = Math.floor(runBudgetMs / Math.max(medianRequestMs, 0.001)) * perRequest;
  return {
    rowsPerRequest,
    medianRequestMs,
    backlogEntries,
    backlogFromOldest: read.oldestEntryMs !== undefined,
    entriesPerHour: currentPerMs * HOUR_MS,
    firstSyncMs,
    runBudgetMs,
    intervalMs,
    runsForBacklog: Math.max(1, Math.ceil(firstSyncMs / runBudgetMs)),
    entriesPerRun,
    entriesPerInterval: currentPerMs * intervalMs,
  };
}

export function throughputCheck(read: StreamRead): CheckResult {
  const e = estimateThroughput(read);
  if (!e)
    return { id: 'throughput', status: 'skip', evidence: 'not estimated: no stream request was answered' };
  const schedule = `${DEFAULTS.jobSchedule.expression}, timeout ${DEFAULTS.jobTimeoutSeconds} s`;
  const measured =
    `${e.rowsPerRequest.toFixed(0)} rows per request, ${e.medianRequestMs.toFixed(0)} ms per request (median of ${read.requestMs.length}); ` +
    `${Math.round(e.entriesPerHour)} entries an hour now; backlog about ${e.backlogEntries} entries` +
    `${e.backlogFromOldest ? " (from the stream's oldest)" : ' (the last day only: the oldest entry is unknown)'}; ` +
    `a first sync takes about ${formatDuration(e.firstSyncMs)} of endpoint time`;
  const details = { ...e };
  if (e.entriesPerInterval > e.entriesPerRun) {
    return {
      id: 'throughput',
      status: 'FAIL',
      evidence: `${measured}: ${Math.round(e.entriesPerInterval)} entries arrive per interval, a run reads at most ${Math.round(e.entriesPerRun)} (${schedule})`,
      action:
        'schedule the job more often or give it a longer timeoutSeconds: at the defaults it never catches up',
      details,
    };
  }
  if (e.runsForBacklog > 1) {
    return {
      id: 'throughput',
      status: 'WARN',
      evidence: `${measured}: that is ${e.runsForBacklog} runs at the defaults (${schedule}), about ${formatDuration(e.runsForBacklog * e.intervalMs)} before the table is current`,
      action:
        'fine if that wait is acceptable; otherwise set initialStart later, or raise timeoutSeconds for the first runs',
      details,
    };
  }
  return {
    id: 'throughput',
    status: 'ok',
    evidence: `${measured}: one run at the defaults (${schedule})`,
    details,
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 2 * HOUR_MS) return `${(ms / 60_000).toFixed(0)} min`;
  return `${(ms / HOUR_MS).toFixed(1)} h`;
}
