// The scheduled audit's problems (issue 16), decided from the job's audit-state item
// (functions/reconcile/audit-state.ts) like the sync's are from its ledger: what the last completed audit
// left, and whether audits still complete.

/** What the audit-state item says of the last window audited to its end. */
export interface AuditFact {
  /** When the newest window was audited to its end (epoch ms); undefined if none ever was. */
  readonly lastCompletedAtMs?: number | undefined;
  /** Missing plus stale records of that window its repair did not write (all of them with repair off). */
  readonly leftAfterRepair?: number | undefined;
  /** Records its repair wrote. */
  readonly repaired?: number | undefined;
  /** When the state was first saved (epoch ms): an audit that never completed is overdue from then. */
  readonly firstSavedAtMs?: number | undefined;
}

/** No audit completed in this long is overdue: two daily audits missed. */
export const AUDIT_OVERDUE_MS = 2 * 86_400_000;

export type AuditProblemKind = 'audit-missing' | 'audit-overdue' | 'audit-repaired';

/** The audit's problems in words, for a job whose audit is enabled. */
export function auditProblems(
  fact: AuditFact | undefined,
  nowMs: number,
): Partial<Record<AuditProblemKind, string>> {
  const details: Partial<Record<AuditProblemKind, string>> = {};
  // With no state at all the audit has not run yet (a new deploy): its failures page as dead letters.
  const since = fact?.lastCompletedAtMs ?? fact?.firstSavedAtMs;
  if (since !== undefined && nowMs - since > AUDIT_OVERDUE_MS) {
    details['audit-overdue'] =
      fact?.lastCompletedAtMs === undefined
        ? `no audit window completed since the audit first ran ${hoursAgo(nowMs, since)} h ago, over 48 h`
        : `the last audit window completed ${hoursAgo(nowMs, since)} h ago, over 48 h`;
  }
  if ((fact?.leftAfterRepair ?? 0) > 0) {
    details['audit-missing'] =
      `the last completed audit left ${fact?.leftAfterRepair} records missing or stale in the records table`;
  }
  if ((fact?.repaired ?? 0) > 0) {
    details['audit-repaired'] =
      `the last completed audit repaired ${fact?.repaired} records the sync had missed or left stale`;
  }
  return details;
}

const hoursAgo = (nowMs: number, thenMs: number) => Math.round((nowMs - thenMs) / 3_600_000);
