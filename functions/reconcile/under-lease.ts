// Runs a piece of work that writes records (a repair, a backfill) the way a sync runs: recorded in the
// run ledger under its kind, under the job's lease, so it never overlaps a sync of the job. A held lease
// makes it a skip that writes nothing; a failure is recorded and rethrown after the lease is released.
import type { Lease } from '../lock/lease.js';
import type { LockItemSnapshot } from '../lock/lock-item.js';
import { SyncWardenError } from '../shared/errors.js';
import type { RunEnd, RunKind, RunStart } from '../sync/run-ledger.js';
import type { ReconcileDependencies } from './dependencies.js';

export interface RunInvocation {
  readonly runId: string;
  /** For the lock owner (Lambda's request id, or the CLI's own). */
  readonly requestId: string;
  /** Time the work may take, as Lambda's `context.getRemainingTimeInMillis()`. */
  readonly remainingTimeMs: () => number;
}

/** What the work is given: its lease, the lock as it found it, and when to stop fetching. */
export interface LeaseContext {
  readonly lease: Lease;
  readonly previousLock: LockItemSnapshot | undefined;
  readonly fetchDeadlineMs: number;
}

export type LeasedOutcome<T> =
  | { readonly outcome: 'skipped'; readonly runId: string; readonly reason: string }
  | { readonly outcome: 'succeeded'; readonly runId: string; readonly fence: number; readonly result: T };

export async function underLease<T>(
  deps: ReconcileDependencies,
  invocation: RunInvocation,
  kind: RunKind,
  work: (context: LeaseContext) => Promise<{ result: T; end: Partial<RunEnd> }>,
): Promise<LeasedOutcome<T>> {
  const { clock, job } = deps;
  const run: RunStart = { job, runId: invocation.runId, startedAtMs: clock.nowMs(), kind };
  const remainingMs = invocation.remainingTimeMs();
  const fetchDeadlineMs = run.startedAtMs + remainingMs - deps.safetyMarginMs;
  await ledger(deps, () => deps.ledger.start(run));
  let acquired: Awaited<ReturnType<ReconcileDependencies['lock']['acquire']>>;
  try {
    acquired = await deps.lock.acquire(job, {
      requestId: invocation.requestId,
      remainingTimeMs: remainingMs,
    });
  } catch (error) {
    await ledger(deps, () =>
      deps.ledger.end(run, { outcome: 'failed', endedAtMs: clock.nowMs(), error: describeError(error) }),
    );
    throw error;
  }
  if (acquired.status === 'held') {
    const { owner, fence, leaseUntilMs } = acquired.holder;
    const until = leaseUntilMs === undefined ? 'unknown' : new Date(leaseUntilMs).toISOString();
    const reason = `lock held by ${owner} (fence ${fence}) until ${until}; nothing written`;
    await ledger(deps, () => deps.ledger.end(run, { outcome: 'skipped', endedAtMs: clock.nowMs(), reason }));
    return { outcome: 'skipped', runId: run.runId, reason };
  }
  const { lease } = acquired;
  let done: { result: T; end: Partial<RunEnd> } | undefined;
  let failure: unknown;
  try {
    done = await work({ lease, previousLock: acquired.previous, fetchDeadlineMs });
  } catch (error) {
    failure = error;
  }
  await deps.lock.release(lease); // reports a lost lock itself; never throws over the run's result
  const end: RunEnd = done
    ? { ...done.end, outcome: 'succeeded', endedAtMs: clock.nowMs(), fence: lease.fence }
    : { outcome: 'failed', endedAtMs: clock.nowMs(), fence: lease.fence, error: describeError(failure) };
  await ledger(deps, () => deps.ledger.end(run, end));
  if (!done) throw failure;
  return { outcome: 'succeeded', runId: run.runId, fence: lease.fence, result: done.result };
}

/** The ledger is a record of runs, never a reason to fail one (as in sync-job.ts). */
async function ledger(deps: ReconcileDependencies, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    deps.logger.error('Could not write the run ledger entry', { error: describeError(error) });
  }
}

function describeError(error: unknown): NonNullable<RunEnd['error']> {
  if (error instanceof SyncWardenError)
    return { name: error.name, reason: error.reason, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
