// The two runs that write records outside the schedule, both under the job's lease and fence
// (under-lease.ts) and through the sync's records store: a repair (an audit that writes what it found
// missing or stale, and deletes extras when pruning), and a backfill (a re-sync of a historical window,
// for data from before syncwarden). Neither moves the watermark: that is the sync's alone.
import { DeadlineExceededError } from '../endpoint/errors.js';
import type { LockItemSnapshot } from '../lock/lock-item.js';
import { paginate } from '../sync/paginate.js';
import { keyForStorage } from '../sync/record-key.js';
import { type AuditReport, type AuditRequest, auditWindow } from './audit.js';
import type { ReconcileDependencies } from './dependencies.js';
import { repairer } from './repair.js';
import { type LeasedOutcome, type RunInvocation, underLease } from './under-lease.js';

export interface RepairRequest extends Omit<AuditRequest, 'deadlineMs' | 'onDifferences' | 'job'> {
  /** Delete records the source does not hold. @default false */
  readonly prune?: boolean;
}

export function repairWindow(
  deps: ReconcileDependencies,
  invocation: RunInvocation,
  request: RepairRequest,
): Promise<LeasedOutcome<AuditReport>> {
  return underLease(deps, invocation, 'repair', async ({ lease, previousLock, fetchDeadlineMs }) => {
    const legacyKeysUpToMs = await cutover(deps, previousLock, request.toMs);
    const report = await auditWindow(deps, {
      ...request,
      job: deps.job,
      deadlineMs: fetchDeadlineMs,
      onDifferences: repairer({
        records: deps.records,
        documentClient: deps.documentClient,
        recordsTable: deps.recordsTable,
        writer: { job: deps.job, runId: invocation.runId, fence: lease.fence },
        legacyKeysUpToMs,
        prune: request.prune ?? false,
        clock: deps.clock,
      }),
    });
    const { totals } = report;
    return {
      result: report,
      end: {
        recordsWritten: report.thisCall.repaired,
        caughtUp: report.complete,
        ...(report.complete ? {} : { reason: 'stopped at the deadline; continue from the cursor' }),
        audit: {
          windowStartMs: report.fromMs,
          windowEndMs: report.toMs,
          compared: totals.compared,
          missing: totals.missing,
          stale: totals.stale,
          extra: totals.extra,
          repaired: totals.repaired,
          pruned: totals.pruned,
          complete: report.complete,
        },
      },
    };
  });
}

export interface BackfillRequest {
  /** The window, half-open [fromMs, toMs), epoch ms of source time. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Told after every page stored. */
  readonly onProgress?: (progress: { fromMs: number; toMs: number; throughMs: number }) => void;
}

export interface BackfillResult {
  readonly written: number;
  readonly alreadyStored: number;
  readonly quarantined: number;
  readonly pages: number;
  readonly complete: boolean;
  /** Everything before this source time is stored (toMs when complete): `--from` of a run that goes on. */
  readonly storedUpToMs: number;
}

export function backfillWindow(
  deps: ReconcileDependencies,
  invocation: RunInvocation,
  request: BackfillRequest,
): Promise<LeasedOutcome<BackfillResult>> {
  return underLease(deps, invocation, 'backfill', async ({ lease, previousLock, fetchDeadlineMs }) => {
    const [watermark, legacyKeysUpToMs] = await Promise.all([
      deps.watermarks.read(deps.job),
      cutover(deps, previousLock, request.toMs),
    ]);
    const writer = { job: deps.job, runId: invocation.runId, fence: lease.fence };
    const read = await deps.openSource(fetchDeadlineMs);
    const lastMs = request.toMs - 1;
    const result = { written: 0, alreadyStored: 0, quarantined: 0, pages: 0, complete: true };
    let throughMs = request.fromMs;
    try {
      for await (const page of paginate(read, {
        startMs: request.fromMs,
        endMs: lastMs,
        pageSize: deps.pageSize,
        nowMs: () => deps.clock.nowMs(),
      })) {
        const written = await deps.records.write(
          page.records.map((record) => keyForStorage(record, legacyKeysUpToMs)),
          writer,
          { readAtMs: page.readAtMs, syncedAtMs: deps.clock.nowMs() },
          // What the sync has stored is read back first, exactly as its overlap window is.
          watermark ? { storedThroughMs: watermark.timestampMs } : {},
        );
        result.written += written.written;
        result.alreadyStored += written.alreadyStored;
        result.quarantined += written.quarantined;
        result.pages++;
        throughMs = page.position.timestampMs + 1;
        request.onProgress?.({ fromMs: request.fromMs, toMs: request.toMs, throughMs });
        if (deps.clock.nowMs() >= fetchDeadlineMs && throughMs <= lastMs) {
          result.complete = false;
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof DeadlineExceededError) || error.endpointFailed) throw error;
      result.complete = false;
    }
    const storedUpToMs = result.complete ? request.toMs : throughMs;
    return {
      result: { ...result, storedUpToMs },
      end: {
        recordsWritten: result.written,
        recordsAlreadyStored: result.alreadyStored,
        ...(result.quarantined > 0 ? { recordsQuarantined: result.quarantined } : {}),
        pages: result.pages,
        caughtUp: result.complete,
        ...(result.complete
          ? {}
          : { reason: `stopped at the deadline; stored up to ${new Date(storedUpToMs).toISOString()}` }),
      },
    };
  });
}

/** The job's key cutover, as a sync under this lease would find it (record-key-cutover.ts). */
async function cutover(
  deps: ReconcileDependencies,
  previousLock: LockItemSnapshot | undefined,
  windowEndMs: number,
): Promise<number | undefined> {
  const watermark = await deps.watermarks.read(deps.job);
  return deps.recordKeys.legacyKeysUpToMs(deps.job, {
    firstRunOfJob: previousLock === undefined && watermark === undefined,
    windowEndMs,
    previousLock,
    skewAllowanceMs: 0,
    nowMs: deps.clock.nowMs(),
  });
}
