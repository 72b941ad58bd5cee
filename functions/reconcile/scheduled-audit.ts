// What the reconciliation Lambda does on each invocation: audits the job's latest window (the days before
// the latest midnight in its time zone, plus the overlap), repairing by default, or goes on with the
// window an earlier invocation left unfinished, from its cursor. Publishes (no dimension per job; the job
// is a property of the EMF line):
//   RecordsMissing, RecordsStale, RecordsExtra   found by this invocation (before its repair)
//   RecordsRepaired                              written by its repair
//   AuditLagSeconds                              now minus the end of the newest window audited to its end
// So "still missing after repair" is RecordsMissing + RecordsStale - RecordsRepaired > 0, and "no audit
// completed in 2 days" is AuditLagSeconds above 2 days (or missing). A skip (the lock is held by a sync)
// returns normally and is tried again at the next invocation; failures throw.
import type { MetricsSink } from '../shared/observability.js';
import { type AuditReport, auditWindow } from './audit.js';
import { InvalidCursorError } from './audit-cursor.js';
import { type AuditWindow, auditWindowFor } from './audit-day.js';
import type { AuditState, AuditStateStore } from './audit-state.js';
import type { ReconcileDependencies } from './dependencies.js';
import type { AuditSettings } from './reconcile-config.js';
import { repairWindow } from './reconcile-runs.js';
import type { RunInvocation } from './under-lease.js';

export const AuditMetric = {
  missing: 'RecordsMissing',
  stale: 'RecordsStale',
  extra: 'RecordsExtra',
  repaired: 'RecordsRepaired',
  lagSeconds: 'AuditLagSeconds',
} as const;

export interface ScheduledAuditDependencies {
  readonly reconcile: ReconcileDependencies;
  readonly state: Pick<AuditStateStore, 'read' | 'save'>;
  readonly settings: AuditSettings;
  /** The job's sync overlap: the audited window reaches back this much before its first day. */
  readonly overlapMs: number;
}

export type ScheduledAuditResult =
  | { readonly outcome: 'up-to-date'; readonly window: AuditWindow }
  | { readonly outcome: 'skipped'; readonly window: AuditWindow; readonly reason: string }
  | {
      readonly outcome: 'audited';
      readonly window: AuditWindow;
      readonly complete: boolean;
      readonly found: AuditReport['thisCall'];
    };

export async function runScheduledAudit(
  deps: ScheduledAuditDependencies,
  invocation: RunInvocation,
): Promise<ScheduledAuditResult> {
  const { reconcile, settings } = deps;
  const { job, clock, metrics, logger } = reconcile;
  const nowMs = clock.nowMs();
  const state = await deps.state.read(job);
  const latest = auditWindowFor(nowMs, settings.timeZone, settings.windowDays, deps.overlapMs);
  const window = state.inProgress ?? latest;
  if (!state.inProgress && (state.lastCompletedWindowEndMs ?? Number.NEGATIVE_INFINITY) >= latest.toMs) {
    publishLag(metrics, nowMs, state.lastCompletedWindowEndMs);
    return { outcome: 'up-to-date', window };
  }

  let report: AuditReport | undefined;
  try {
    report = await auditOnce(deps, invocation, window, state.inProgress?.cursor);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    // A cursor of an older version: the window is audited again from its start.
    logger.warn('Saved audit cursor refused; auditing the window from its start', { reason: error.message });
    report = await auditOnce(deps, invocation, window, undefined);
  }
  if (report === undefined) {
    const reason = 'lock held by a sync of the job; the next invocation tries again';
    publishLag(metrics, clock.nowMs(), state.lastCompletedWindowEndMs);
    logger.info('Audit skipped', { window: describe(window), reason });
    return { outcome: 'skipped', window, reason };
  }

  // The whole window's totals (they travel in the cursor), not this invocation's share.
  const { totals } = report;
  const kept = {
    ...(state.firstSavedAtMs === undefined ? {} : { firstSavedAtMs: state.firstSavedAtMs }),
  };
  const next: AuditState = report.complete
    ? {
        ...kept,
        lastCompletedWindowEndMs: Math.max(state.lastCompletedWindowEndMs ?? 0, window.toMs),
        lastCompleted: {
          atMs: clock.nowMs(),
          leftAfterRepair: Math.max(0, totals.missing + totals.stale - totals.repaired),
          repaired: totals.repaired,
        },
      }
    : {
        ...kept,
        inProgress: { ...window, cursor: report.cursor as string },
        ...(state.lastCompletedWindowEndMs === undefined
          ? {}
          : { lastCompletedWindowEndMs: state.lastCompletedWindowEndMs }),
        ...(state.lastCompleted ? { lastCompleted: state.lastCompleted } : {}),
      };
  await deps.state.save(job, next, clock.nowMs());
  const found = report.thisCall;
  metrics.addMetric(AuditMetric.missing, 'Count', found.missing);
  metrics.addMetric(AuditMetric.stale, 'Count', found.stale);
  metrics.addMetric(AuditMetric.extra, 'Count', found.extra);
  metrics.addMetric(AuditMetric.repaired, 'Count', found.repaired);
  publishLag(metrics, clock.nowMs(), next.lastCompletedWindowEndMs);
  const log = found.missing + found.stale > found.repaired ? logger.warn : logger.info;
  log.call(logger, report.complete ? 'Audit completed' : 'Audit continues at the next invocation', {
    window: describe(window),
    found,
    auditedUpTo: new Date(report.auditedUpToMs).toISOString(),
    missingKeys: report.totals.samples.missing,
    staleKeys: report.totals.samples.stale,
    extraKeys: report.totals.samples.extra,
  });
  return { outcome: 'audited', window, complete: report.complete, found };
}

/** One audit of the window (repairing under the lease when configured); undefined when the lease is held. */
async function auditOnce(
  deps: ScheduledAuditDependencies,
  invocation: RunInvocation,
  window: AuditWindow,
  cursor: string | undefined,
): Promise<AuditReport | undefined> {
  const { reconcile, settings } = deps;
  const request = { ...window, ...(cursor ? { cursor } : {}) };
  if (!settings.repair) {
    const deadlineMs = reconcile.clock.nowMs() + invocation.remainingTimeMs() - reconcile.safetyMarginMs;
    return auditWindow(reconcile, { ...request, job: reconcile.job, deadlineMs });
  }
  const outcome = await repairWindow(reconcile, invocation, { ...request, prune: settings.prune });
  return outcome.outcome === 'succeeded' ? outcome.result : undefined;
}

function publishLag(metrics: MetricsSink, nowMs: number, completedToMs: number | undefined): void {
  if (completedToMs === undefined) return; // never completed: the alarm treats missing data as breaching
  metrics.addMetric(AuditMetric.lagSeconds, 'Seconds', Math.max(0, (nowMs - completedToMs) / 1000));
}

const describe = (window: AuditWindow) => ({
  from: new Date(window.fromMs).toISOString(),
  to: new Date(window.toMs).toISOString(),
});
