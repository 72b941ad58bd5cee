// What is wrong with a job right now, decided from what the control table says about it (job-facts.ts):
// a pure function, so every rule is a unit test. The job-health check publishes the answer as one number per
// job (JobProblems, a sum of the bits below) and one count of jobs per problem (ProblemJobs), which is what
// lets one Metrics Insights alarm per deployment name the job and another the problem, whatever the jobs.
//
// Adding a problem kind (e.g. the audit's records-missing): append it to PROBLEM_KINDS (never reorder or
// remove one: a bit's meaning is what the alarm description and the dashboards decode), add its rule to
// `jobProblems`, and if it needs a fact the table does not yet give, read it in job-facts.ts. It costs one
// ProblemJobs series for the deployment, not one per job.

import { type AuditFact, auditProblems } from './audit-problems.js';

/** Every problem kind, in bit order: kind i sets bit 2^i of JobProblems. Append only. */
export const PROBLEM_KINDS = [
  'watermark-stalled',
  'run-failed',
  'repeated-lock-skips',
  'runs-behind',
  'records-quarantined',
  'duration-near-timeout',
  'access-denied',
  'app-key-expiring',
  'app-key-expiry-unknown',
  'audit-missing',
  'audit-overdue',
  'audit-repaired',
] as const;

export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/** The bit of a kind in JobProblems. */
export function problemBit(kind: ProblemKind): number {
  return 2 ** PROBLEM_KINDS.indexOf(kind);
}

/** JobProblems' value for a set of problems: 0 when there are none. */
export function problemCode(kinds: readonly ProblemKind[]): number {
  return [...new Set(kinds)].reduce((sum, kind) => sum + problemBit(kind), 0);
}

/** The kinds a JobProblems value holds: what an operator reads off a contributor's value. */
export function decodeProblems(code: number): ProblemKind[] {
  return PROBLEM_KINDS.filter((kind) => Math.floor(code / problemBit(kind)) % 2 === 1);
}

/** A denial the client recovered from by re-reading a rotated key: counted, never a problem. */
export const RECOVERED_AUTH_CAUSE = 'stale-key';
/** Succeeded runs in a row that did not catch up before the job counts as unable to. */
export const RUNS_BEHIND_LIMIT = 3;
/** A run that takes more than this share of its timeout is near it. */
export const DURATION_FRACTION_LIMIT = 0.8;
/** Skipped runs (lock held) within two intervals that mean runs overlap. */
export const LOCK_SKIPS_LIMIT = 2;

/** What the health check knows of one job from its configuration. */
export interface JobHealthRules {
  /** The job has a scheduled audit (jobs[].audit.enabled); absent in a check deployed before it. */
  readonly auditEnabled?: boolean | undefined;
  readonly name: string;
  readonly intervalMinutes: number;
  readonly overlapMs: number;
  readonly timeoutSeconds: number;
  /** Days to expiry under which the app key counts as expiring (infra/aws/key-alarms.ts#keyExpiryAlarmDays). */
  readonly keyExpiryAlarmDays: number;
  /** Where a job that never stored anything starts (INITIAL_START; epoch 0 when unset, as for the sync). */
  readonly initialStartMs: number;
}

/** One run ledger item (functions/sync/run-ledger.ts), as far as the rules need it. */
export interface LedgerRun {
  readonly outcome: 'running' | 'succeeded' | 'skipped' | 'failed';
  readonly startedAtMs: number;
  readonly endedAtMs?: number | undefined;
  readonly caughtUp?: boolean | undefined;
  readonly windowEndMs?: number | undefined;
  readonly runsBehindInARow?: number | undefined;
  readonly recordsQuarantined?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly authFailureCauses?: readonly string[] | undefined;
  readonly error?: string | undefined;
}

/** What the sync's last run found of its app key's expiry (functions/app-key/expiry-record.ts). */
export type KeyExpiryFact =
  | { readonly status: 'known'; readonly expiresAtMs: number }
  | { readonly status: 'unknown'; readonly why: string };

export interface JobFacts {
  /** The committed watermark's source time, if the job ever committed one. */
  readonly watermarkMs?: number | undefined;
  /** The newest ledger items, newest first. */
  readonly runs: readonly LedgerRun[];
  readonly keyExpiry?: KeyExpiryFact | undefined;
  /** The scheduled audit's state item, if it was ever saved. */
  readonly audit?: AuditFact | undefined;
}

export interface JobHealth {
  readonly job: string;
  /** Seconds from now back to the source time the records table is known complete up to. */
  readonly lagSeconds: number;
  readonly lagLimitSeconds: number;
  readonly problems: readonly ProblemKind[];
  /** Why, in words, per problem: the health check's log line. */
  readonly details: Readonly<Partial<Record<ProblemKind, string>>>;
}

/**
 * Lag above which the watermark counts as stalled: 2 schedule intervals plus the job's overlap, as the
 * sync-lag alarm had it. A run that catches up ends with a lag of about its own duration.
 */
export function lagLimitSeconds(rules: JobHealthRules): number {
  return 2 * rules.intervalMinutes * 60 + rules.overlapMs / 1000;
}

/**
 * The source time the records table is known complete up to: the window end a caught-up run confirmed
 * (as the sync's own completeUpToMs), else the committed watermark, else the job's initial start. Measured
 * from now, not from a run's end, so it keeps growing when no run happens, every run fails, or runs
 * succeed without moving it: the three ways a gap opens.
 */
export function completeUpToMs(rules: JobHealthRules, facts: JobFacts): number {
  const confirmed = facts.runs
    .filter((run) => run.outcome === 'succeeded' && run.caughtUp === true && run.windowEndMs !== undefined)
    .map((run) => Math.min(run.windowEndMs as number, run.endedAtMs ?? (run.windowEndMs as number)));
  return Math.max(rules.initialStartMs, facts.watermarkMs ?? Number.NEGATIVE_INFINITY, ...confirmed);
}

export function jobHealth(rules: JobHealthRules, facts: JobFacts, nowMs: number): JobHealth {
  const details: Partial<Record<ProblemKind, string>> = {};
  const limit = lagLimitSeconds(rules);
  const lagSeconds = Math.max(0, (nowMs - completeUpToMs(rules, facts)) / 1000);
  if (lagSeconds > limit) {
    details['watermark-stalled'] =
      `the records table is complete only up to ${Math.round(lagSeconds)} s ago, over the ${limit} s limit (2 intervals + overlap)`;
  }
  // The newest run that ended (skips and crashed runs still 'running' are passed over) says how runs go now.
  const lastEnded = facts.runs.find((run) => run.outcome === 'succeeded' || run.outcome === 'failed');
  if (lastEnded?.outcome === 'failed') {
    details['run-failed'] = `the last run failed${lastEnded.error ? `: ${lastEnded.error}` : ''}`;
  }
  const windowStartMs = nowMs - 2 * rules.intervalMinutes * 60_000;
  const skips = facts.runs.filter((run) => run.outcome === 'skipped' && run.startedAtMs >= windowStartMs);
  if (skips.length >= LOCK_SKIPS_LIMIT) {
    details['repeated-lock-skips'] =
      `${skips.length} runs skipped in 2 intervals because another run held the lease`;
  }
  const lastSucceeded = facts.runs.find((run) => run.outcome === 'succeeded');
  if ((lastSucceeded?.runsBehindInARow ?? 0) >= RUNS_BEHIND_LIMIT) {
    details['runs-behind'] =
      `${lastSucceeded?.runsBehindInARow} succeeded runs in a row stopped before catching up`;
  }
  if ((lastEnded?.recordsQuarantined ?? 0) > 0) {
    details['records-quarantined'] = `the last run quarantined ${lastEnded?.recordsQuarantined} source rows`;
  }
  const durationLimitMs = rules.timeoutSeconds * 1000 * DURATION_FRACTION_LIMIT;
  if ((lastEnded?.durationMs ?? 0) > durationLimitMs) {
    details['duration-near-timeout'] =
      `the last run took ${lastEnded?.durationMs} ms, over ${durationLimitMs} ms (${DURATION_FRACTION_LIMIT * 100}% of the timeout)`;
  }
  const denied = (lastEnded?.authFailureCauses ?? []).filter((cause) => cause !== RECOVERED_AUTH_CAUSE);
  if (denied.length > 0)
    details['access-denied'] = `the last run was denied: ${[...new Set(denied)].join(', ')}`;
  const key = facts.keyExpiry;
  if (key?.status === 'unknown') details['app-key-expiry-unknown'] = key.why;
  if (key?.status === 'known') {
    const days = (key.expiresAtMs - nowMs) / 86_400_000;
    if (days < rules.keyExpiryAlarmDays) {
      details['app-key-expiring'] =
        `the app key expires in ${days.toFixed(2)} days, under ${rules.keyExpiryAlarmDays}`;
    }
  }
  if (rules.auditEnabled) Object.assign(details, auditProblems(facts.audit, nowMs));
  const problems = PROBLEM_KINDS.filter((kind) => details[kind] !== undefined);
  return { job: rules.name, lagSeconds, lagLimitSeconds: limit, problems, details };
}
