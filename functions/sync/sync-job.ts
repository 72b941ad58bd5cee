// One sync run: take the job's lease, read [watermark − overlap, now] from the source page by page,
// store each page, then commit the watermark under the lease's fence once that page and all before it
// are stored (the next pages are fetched and stored meanwhile). A run killed at any point
// loses nothing: the next run resumes from the last committed page. Failures are recorded and
// rethrown after the lease is released, so Lambda's Errors metric, retries and the DLQ see them.

import { DeadlineExceededError } from '../endpoint/errors.js';
import { lockFenceConditionCheck } from '../lock/fence.js';
import type { Lease } from '../lock/lease.js';
import type { LeaseLock } from '../lock/lease-lock.js';
import type { LockItemSnapshot } from '../lock/lock-item.js';
import type { Clock } from '../shared/clock.js';
import { SyncWardenError } from '../shared/errors.js';
import type { LogSink, MetricsSink } from '../shared/observability.js';
import { storeAndCommitInOrder } from './ordered-commits.js';
import { paginate, type RecordReader } from './paginate.js';
import { keyForStorage } from './record-key.js';
import type { RecordKeyCutoverStore } from './record-key-cutover.js';
import type { RecordsStore } from './records-store.js';
import type { RunEnd, RunLedger, RunStart } from './run-ledger.js';
import type { ObservedServer } from './source-answers.js';
import { compareWatermarks, type Watermark, type WatermarkStore } from './watermark.js';

/** The last clock measurement of the endpoint, from the skew monitor. */
export interface MeasuredSkew {
  readonly offsetMs: number;
  readonly boundMs: number;
}

export interface SyncJobSettings {
  readonly job: string;
  readonly controlTable: string;
  readonly pageSize: number;
  readonly overlapMs: number;
  readonly initialStartMs: number;
  readonly safetyMarginMs: number;
  /** The most the measured skew may widen the window by (a log line says when it applies). */
  readonly skewAllowanceCapMs: number;
}

export interface SyncJobDependencies {
  readonly settings: SyncJobSettings;
  readonly lock: LeaseLock;
  readonly watermarks: WatermarkStore;
  readonly records: RecordsStore;
  /** Which records keep the keys an older version gave them (the upgrade to unambiguous keys). */
  readonly recordKeys: Pick<RecordKeyCutoverStore, 'legacyKeysUpToMs'>;
  readonly ledger: RunLedger;
  /**
   * Prepares the source for one run: checks the app key (an expired key fails here, before any
   * request) and returns a reader whose requests and retries never cross `fetchDeadlineMs`.
   */
  readonly openSource: (run: {
    fetchDeadlineMs: number;
    skew: MeasuredSkew | undefined;
    /** Told the cause of every Access Denied answer, recovered or not, for the run ledger. */
    onAccessDenied: (cause: string) => void;
  }) => Promise<RecordReader>;
  /**
   * A run that skipped (lock held) publishes what it knows of the key's expiry without asking the server
   * (expiry-report.ts), so the key alarms get data from every run.
   */
  readonly publishKeyExpiryOnSkip: () => Promise<void>;
  /** The endpoint's last measured clock skew, if the monitor measures it. */
  readonly lastSkew: () => Promise<MeasuredSkew | undefined>;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly logger: LogSink;
}

export interface Invocation {
  readonly runId: string;
  /** Lambda's request id, for the lock owner. */
  readonly requestId: string;
  /** Lambda's `context.getRemainingTimeInMillis()`. */
  readonly remainingTimeMs: () => number;
}

export type RunSummary = RunEnd & { readonly runId: string; readonly job: string };

/**
 * Pages being stored while the next one is fetched. Two keep DynamoDB busy across a page boundary (the
 * watermark commit and the next page's first transactions overlap the previous page's last ones);
 * more would only hold more of the window in memory.
 */
const PAGES_STORED_AT_ONCE = 2;

export const SyncMetric = {
  succeeded: 'RunSucceeded',
  failed: 'RunFailed',
  recordsSynced: 'RecordsSynced',
  /** Records DynamoDB can never accept, kept whole in quarantine instead (REJECTED_RECORDS=quarantine). */
  recordsQuarantined: 'RecordsQuarantined',
  /** Seconds from the run's end back to the source time the table is known complete up to. */
  lagSeconds: 'SyncLagSeconds',
  durationMs: 'RunDurationMs',
  /** Succeeded runs in a row, this one included, that stopped at the deadline with a backlog left. */
  runsBehind: 'RunsBehindInARow',
} as const;

export async function runSync(deps: SyncJobDependencies, invocation: Invocation): Promise<RunSummary> {
  const { settings, clock } = deps;
  const run: RunStart = { job: settings.job, runId: invocation.runId, startedAtMs: clock.nowMs() };
  const deadlineMs = run.startedAtMs + invocation.remainingTimeMs();
  try {
    await deps.ledger.start(run);
  } catch (error) {
    // As at the end of the run: the ledger is a record of runs, never a reason to skip one (its end
    // writes the whole item if this start never landed).
    deps.logger.error('Could not write the run ledger entry', { error: describeError(error) });
  }

  let acquired: Awaited<ReturnType<LeaseLock['acquire']>>;
  try {
    acquired = await deps.lock.acquire(settings.job, {
      requestId: invocation.requestId,
      remainingTimeMs: invocation.remainingTimeMs(),
    });
  } catch (error) {
    await finish(deps, run, { outcome: 'failed', endedAtMs: clock.nowMs(), error: describeError(error) });
    throw error;
  }
  if (acquired.status === 'held') {
    try {
      await deps.publishKeyExpiryOnSkip();
    } catch (error) {
      // The secret could not be read: the skip stays a skip, and the run holding the lock publishes.
      deps.logger.warn('Could not publish the app key expiry of a skipped run', {
        error: describeError(error),
      });
    }
    const { owner, fence, leaseUntilMs } = acquired.holder;
    const until = leaseUntilMs === undefined ? 'unknown' : new Date(leaseUntilMs).toISOString();
    return finish(deps, run, {
      outcome: 'skipped',
      endedAtMs: clock.nowMs(),
      reason: `lock held by ${owner} (fence ${fence}) until ${until}`,
    });
  }

  const lease = acquired.lease;
  const progress = new RunProgress(lease.fence);
  let end: RunEnd;
  let failure: unknown;
  try {
    const caughtUp = await syncUnderLease(deps, run, lease, deadlineMs - settings.safetyMarginMs, progress, {
      previousLock: acquired.previous,
    });
    end = {
      outcome: 'succeeded',
      endedAtMs: clock.nowMs(),
      caughtUp,
      ...(caughtUp ? {} : { reason: 'stopped at the safety margin; the backlog is left for the next run' }),
      ...progress.fields(),
    };
  } catch (error) {
    failure = error;
    // The pages committed before the failure are in the ledger too: exactly what the watermark covers.
    end = { outcome: 'failed', endedAtMs: clock.nowMs(), error: describeError(error), ...progress.fields() };
  }
  await deps.lock.release(lease); // reports a lost lock itself; never throws over the run's result
  const summary = await finish(deps, run, { ...end, endedAtMs: clock.nowMs() });
  if (failure !== undefined) throw failure;
  return summary;
}

/** What a run has done so far, kept outside the sync loop so a failed run still reports it. */
class RunProgress {
  recordsWritten = 0;
  recordsAlreadyStored = 0;
  recordsQuarantined = 0;
  pages = 0;
  watermarkBefore: Watermark | undefined;
  watermarkAfter: Watermark | undefined;
  windowEndMs: number | undefined;
  source: ObservedServer | undefined;
  readonly authFailureCauses = new Set<string>();

  constructor(private readonly fence: number) {}

  fields(): Partial<RunEnd> {
    return {
      fence: this.fence,
      recordsWritten: this.recordsWritten,
      recordsAlreadyStored: this.recordsAlreadyStored,
      ...(this.recordsQuarantined > 0 ? { recordsQuarantined: this.recordsQuarantined } : {}),
      pages: this.pages,
      ...(this.watermarkBefore ? { watermarkBefore: this.watermarkBefore } : {}),
      ...(this.watermarkAfter ? { watermarkAfter: this.watermarkAfter } : {}),
      ...(this.windowEndMs === undefined ? {} : { windowEndMs: this.windowEndMs }),
      ...(this.source ? { source: definedFields(this.source) } : {}),
      ...(this.authFailureCauses.size > 0 ? { authFailureCauses: [...this.authFailureCauses] } : {}),
    };
  }
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>;
}

/** Syncs the window under the lease; true when it caught up, false when it stopped at the deadline. */
async function syncUnderLease(
  deps: SyncJobDependencies,
  run: RunStart,
  lease: Lease,
  fetchDeadlineMs: number,
  progress: RunProgress,
  history: { readonly previousLock: LockItemSnapshot | undefined },
): Promise<boolean> {
  const { settings, clock } = deps;
  const [before, skew] = await Promise.all([deps.watermarks.read(settings.job), deps.lastSkew()]);
  progress.watermarkBefore = before;
  const read = await deps.openSource({
    fetchDeadlineMs,
    skew,
    onAccessDenied: (cause) => progress.authFailureCauses.add(cause),
  });
  const skewAllowanceMs = skewAllowance(skew, settings.skewAllowanceCapMs, deps.logger);
  const startMs = before
    ? before.timestampMs - settings.overlapMs - skewAllowanceMs
    : settings.initialStartMs;
  const endMs = clock.nowMs() + skewAllowanceMs;
  progress.windowEndMs = endMs;
  const legacyKeysUpToMs = await deps.recordKeys.legacyKeysUpToMs(settings.job, {
    firstRunOfJob: history.previousLock === undefined && before === undefined,
    windowEndMs: endMs,
    previousLock: history.previousLock,
    skewAllowanceMs,
    nowMs: clock.nowMs(),
  });

  const writer = { job: settings.job, runId: run.runId, fence: lease.fence };
  const pages = paginate(read, {
    startMs: Math.max(0, startMs),
    endMs,
    pageSize: settings.pageSize,
    nowMs: () => clock.nowMs(),
  });
  try {
    return await storeAndCommitInOrder(
      pages,
      {
        store: (page) =>
          deps.records.write(
            page.records.map((record) => keyForStorage(record, legacyKeysUpToMs)),
            writer,
            { readAtMs: page.readAtMs, syncedAtMs: clock.nowMs() },
            // The overlap window was stored by earlier runs: read it back rather than write it again.
            before ? { storedThroughMs: before.timestampMs } : {},
          ),
        // Counted at commit, in page order, so a failed run's ledger counts exactly what its watermark covers.
        commit: async (page, written) => {
          progress.recordsWritten += written.written;
          progress.recordsAlreadyStored += written.alreadyStored;
          progress.recordsQuarantined += written.quarantined;
          progress.pages++;
          const position = progress.watermarkAfter ?? before;
          if (position && compareWatermarks(page.position, position) <= 0) return;
          await deps.watermarks.commit(
            settings.job,
            page.position,
            lockFenceConditionCheck(lease, settings.controlTable),
            { runId: run.runId, fence: lease.fence, committedAtMs: clock.nowMs() },
          );
          progress.watermarkAfter = page.position;
        },
        stopFetching: () => clock.nowMs() >= fetchDeadlineMs,
        // The client refuses to start a request that cannot finish before the fetch deadline, and gives
        // up on one the deadline cut short. With no failure of the endpoint behind it, that is the
        // deadline itself: the run stops behind, it does not fail.
        fetchTimeIsUp: (error) => error instanceof DeadlineExceededError && !error.endpointFailed,
      },
      PAGES_STORED_AT_ONCE,
    );
  } finally {
    progress.source = pages.observed();
    const adapted = describeAdaptation(progress.source);
    if (adapted) {
      deps.logger.warn(`The endpoint ${adapted}; the sync adapted to it`, { source: progress.source });
    }
  }
}

/**
 * How far the measured skew widens the window: |offset| + bound, at most `capMs`. An offset past the cap
 * (a time zone, a broken Date header) would widen every window by it; the skew alarm is what fixes it.
 */
function skewAllowance(skew: MeasuredSkew | undefined, capMs: number, logger: LogSink): number {
  if (!skew) return 0;
  const measuredMs = Math.ceil(Math.abs(skew.offsetMs) + skew.boundMs);
  if (measuredMs <= capMs) return measuredMs;
  logger.warn('Clock-skew allowance capped: the measured skew is larger than the cap', {
    offsetMs: skew.offsetMs,
    boundMs: skew.boundMs,
    measuredAllowanceMs: measuredMs,
    skewAllowanceCapMs: capMs,
  });
  return capMs;
}

async function finish(deps: SyncJobDependencies, run: RunStart, ended: RunEnd): Promise<RunSummary> {
  const { metrics } = deps;
  const end = ended.outcome === 'succeeded' ? await withRunsBehind(deps, run, ended) : ended;
  const summary: RunSummary = { ...end, job: run.job, runId: run.runId };
  if (end.outcome !== 'skipped') {
    metrics.addMetric(end.outcome === 'failed' ? SyncMetric.failed : SyncMetric.succeeded, 'Count', 1);
    metrics.addMetric(SyncMetric.recordsSynced, 'Count', end.recordsWritten ?? 0);
    metrics.addMetric(SyncMetric.recordsQuarantined, 'Count', end.recordsQuarantined ?? 0);
    metrics.addMetric(SyncMetric.durationMs, 'Milliseconds', end.endedAtMs - run.startedAtMs);
    const completeToMs = completeUpToMs(end);
    if (completeToMs !== undefined) {
      metrics.addMetric(SyncMetric.lagSeconds, 'Seconds', Math.max(0, (end.endedAtMs - completeToMs) / 1000));
    }
    if (end.runsBehindInARow !== undefined)
      metrics.addMetric(SyncMetric.runsBehind, 'Count', end.runsBehindInARow);
  }
  try {
    await deps.ledger.end(run, end);
  } catch (error) {
    // The ledger is a convenience; losing its entry must not turn a good run into a failed one.
    deps.logger.error('Could not write the run ledger entry', { error: describeError(error) });
  }
  const log = end.outcome === 'failed' ? deps.logger.error : deps.logger.info;
  log.call(deps.logger, `Run ${end.outcome}`, { run: summary });
  return summary;
}

/** What the server does that a plain ThingWorx stream query does not, if anything. */
function describeAdaptation(source: ObservedServer): string | undefined {
  const notes = [
    source.order === 'newest first' ? 'ignores oldestFirst (answers newest first)' : '',
    source.order === 'unordered' ? 'answers in no stable order' : '',
    source.cutKeeps === 'newest rows' ? 'keeps the newest rows of a window when it cuts an answer' : '',
    source.maxItemsCap === undefined
      ? ''
      : `caps answers at ${source.maxItemsCap} rows whatever maxItems asks`,
  ].filter(Boolean);
  return notes.length > 0 ? notes.join(' and ') : undefined;
}

/**
 * The source time up to which the table is known complete: the window end the source confirmed when
 * the run caught up, else the committed watermark. (A quiet stream's watermark stands still while the
 * runs keep up: measured from it, the lag alarm would fire on every quiet weekend.)
 */
function completeUpToMs(end: RunEnd): number | undefined {
  if (end.outcome === 'succeeded' && end.caughtUp && end.windowEndMs !== undefined) {
    return Math.min(end.windowEndMs, end.endedAtMs);
  }
  return (end.watermarkAfter ?? end.watermarkBefore)?.timestampMs;
}

/**
 * Adds how many succeeded runs in a row, this one included, stopped behind; the count is kept in the
 * ledger, so the next run reads it from there. A ledger that cannot answer costs the metric, not the run.
 */
async function withRunsBehind(deps: SyncJobDependencies, run: RunStart, end: RunEnd): Promise<RunEnd> {
  if (end.caughtUp !== false) return { ...end, runsBehindInARow: 0 };
  try {
    return { ...end, runsBehindInARow: 1 + (await deps.ledger.runsBehindBefore(run)) };
  } catch (error) {
    deps.logger.error('Could not count the runs behind in the run ledger', { error: describeError(error) });
    return end;
  }
}

function describeError(error: unknown): NonNullable<RunEnd['error']> {
  if (error instanceof SyncWardenError)
    return { name: error.name, reason: error.reason, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
