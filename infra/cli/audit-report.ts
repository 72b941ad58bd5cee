// How `syncwarden audit` prints what the audit found: a few lines for people, or one JSON object.
import type { AuditReport } from '../../functions/reconcile/audit.js';
import type { LeasedOutcome } from '../../functions/reconcile/under-lease.js';

const iso = (ms: number) => new Date(ms).toISOString();
const count = (n: number) => n.toLocaleString('en-US');

export interface AuditCommandResult {
  readonly target: string;
  readonly report: AuditReport;
  /** Present with --repair: the run that repaired (or why it did not). */
  readonly repair?: { readonly runId: string; readonly fence: number; readonly prune: boolean };
}

/** True when the table matches the source over what was audited (after the repair, if any). */
export function auditClean({ report, repair }: AuditCommandResult): boolean {
  const { missing, stale, extra, repaired, pruned } = report.totals;
  if (!repair) return missing + stale + extra === 0;
  return missing + stale === repaired && (extra === 0 || (repair.prune && pruned === extra));
}

export function formatAudit(result: AuditCommandResult, continueWith: (cursor: string) => string): string {
  const { report, repair } = result;
  const t = report.totals;
  const lines = [
    `audit of ${report.job} on ${result.target}`,
    `  window    [${iso(report.fromMs)}, ${iso(report.toMs)}) of source time`,
    `  compared  ${count(t.compared)} source entries with ${count(t.tableRecords)} records: ` +
      `${count(t.missing)} missing, ${count(t.stale)} stale, ${count(t.extra)} extra`,
  ];
  for (const [kind, keys, n] of [
    ['missing', t.samples.missing, t.missing],
    ['stale', t.samples.stale, t.stale],
    ['extra', t.samples.extra, t.extra],
  ] as const) {
    if (keys.length > 0)
      lines.push(
        `  ${kind.padEnd(8)}  ${keys.join(', ')}${n > keys.length ? ` … (${count(n)} in all)` : ''}`,
      );
  }
  if (t.hours.length > 0) {
    lines.push('  hour (UTC)            source     table');
    for (const hour of t.hours) {
      const mark = hour.source === hour.table ? '' : '  ≠';
      lines.push(
        `  ${iso(hour.hourStartMs).slice(0, 16)}Z  ${count(hour.source).padStart(8)}  ${count(hour.table).padStart(8)}${mark}`,
      );
    }
  }
  if (repair) {
    lines.push(
      `  repair    ${count(t.repaired)} written, ${count(t.pruned)} pruned${repair.prune ? '' : ' (extra records are kept without --prune)'}; ` +
        `run ${repair.runId} under fence ${repair.fence}, in the run ledger`,
    );
  }
  const perThousand = t.compared === 0 ? 0 : (t.readRequests * 1000) / Math.max(t.compared, t.tableRecords);
  lines.push(
    `  requests  ${count(t.readRequests)} DynamoDB reads (${perThousand.toFixed(1)} per 1,000 records), ${count(t.sourceRequests)} to the source`,
  );
  if (!report.complete && report.cursor) {
    lines.push(
      `  stopped   at the time limit; compared up to ${iso(report.auditedUpToMs)}. Continue with:`,
      `            ${continueWith(report.cursor)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function auditJson(result: AuditCommandResult) {
  const { report } = result;
  return {
    job: report.job,
    target: result.target,
    from: iso(report.fromMs),
    to: iso(report.toMs),
    complete: report.complete,
    ...(report.cursor ? { cursor: report.cursor } : {}),
    auditedUpTo: iso(report.auditedUpToMs),
    ...report.totals,
    hours: report.totals.hours.map((hour) => ({
      hour: iso(hour.hourStartMs),
      source: hour.source,
      table: hour.table,
    })),
    ...(result.repair ? { repair: result.repair } : {}),
    clean: auditClean(result),
  };
}

/** The line printed when the repair could not take the lease. */
export function skippedRepair(outcome: Extract<LeasedOutcome<unknown>, { outcome: 'skipped' }>): string {
  return `repair skipped: ${outcome.reason}; a sync of the job is running, try again when it ends`;
}
