// `syncwarden status [--job J] [--json]`: per job, who holds the lock and until when, the watermark and
// its lag, the last run and its outcome, the last clock-skew measurement, and (with --stack) the alarms.
import type { LedgerRun } from '../../../functions/sync/run-ledger.js';
import type { CliCommand } from '../io.js';
import { type JobStatus, readJobStatus } from '../job-status.js';
import { parseCommandArguments } from '../operator-arguments.js';
import { formatAge, formatDuration, formatInstant } from '../operator-output.js';
import { resolveTarget, TARGET_ARGUMENTS, TARGET_USAGE, targetOptionsOf } from '../target.js';

const USAGE = `Usage: syncwarden status (--local | --stack <name>) [--job <name>] [--json]
  --job <name>           only this job (default: every job of the target)
  --json                 one JSON object: the target and each job's state
${TARGET_USAGE}`;

export const statusCommand: CliCommand = {
  summary: 'lock holder and lease, watermark and lag, last run, last clock skew, alarm states (--stack)',
  async run(argv, io) {
    const values = parseCommandArguments(USAGE, argv, {
      ...TARGET_ARGUMENTS,
      job: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    } as const);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const target = await resolveTarget(targetOptionsOf(values), io);
    try {
      const names = values.job ? [values.job] : await target.jobNames();
      const nowMs = Date.now();
      const jobs: JobStatus[] = [];
      for (const name of names) jobs.push(await readJobStatus(target, name, nowMs));
      if (values.json) {
        const report = { target: target.description, checkedAt: new Date(nowMs).toISOString(), jobs };
        io.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        io.stdout.write(`${target.description}, at ${formatInstant(nowMs)}\n`);
        for (const job of jobs) io.stdout.write(`\n${describeJob(job, nowMs)}\n`);
      }
      return 0;
    } finally {
      await target.close();
    }
  },
};

function describeJob(status: JobStatus, nowMs: number): string {
  const lines: [string, string][] = [
    ['lock', describeLock(status, nowMs)],
    ['watermark', describeWatermark(status, nowMs)],
    ['last run', status.lastRun ? describeRun(status.lastRun, nowMs) : 'none in the ledger'],
  ];
  if (status.lastSucceededRun) lines.push(['last success', describeRun(status.lastSucceededRun, nowMs)]);
  else if (status.lastRun && status.lastRun.outcome !== 'succeeded')
    lines.push(['last success', 'none in the ledger']);
  lines.push(['clock skew', describeSkew(status, nowMs)]);
  lines.push(['audit', describeAudit(status, nowMs)]);
  if (status.alarms) lines.push(['alarms', describeAlarms(status)]);
  return [`job ${status.job}`, ...lines.map(([label, text]) => `  ${label.padEnd(13)}${text}`)].join('\n');
}

function describeLock({ lock }: JobStatus, nowMs: number): string {
  const fence = lock.fence === undefined ? '' : `, fence ${lock.fence}`;
  switch (lock.state) {
    case 'held':
      return `held by ${lock.owner} until ${formatInstant(lock.leaseUntilMs ?? 0)} (${formatAge(lock.leaseUntilMs ?? 0, nowMs)})${fence}`;
    case 'expired':
      return `EXPIRED: held by ${lock.owner}, lease ended ${formatAge(lock.leaseUntilMs ?? 0, nowMs)} without a release (its run crashed or timed out; the next run takes it over)${fence}`;
    default:
      return lock.releasedAtMs === undefined
        ? 'free (never taken)'
        : `free, released ${formatAge(lock.releasedAtMs, nowMs)} by ${lock.releasedBy ?? 'its holder'}${fence}`;
  }
}

function describeWatermark({ watermark }: JobStatus, nowMs: number): string {
  if (!watermark) return 'none yet (the first run starts at the configured initialStart)';
  return `${formatInstant(watermark.timestampMs)}, lag ${formatDuration(nowMs - watermark.timestampMs)} (key ${watermark.key})`;
}

export function describeRun(run: LedgerRun, nowMs: number): string {
  const startedMs = Date.parse(run.startedAt);
  // A repair or backfill writes under the job's lease as a sync does; say which ran.
  const kind = run.kind === undefined || run.kind === 'sync' ? '' : `${run.kind} `;
  const when = `${kind}${run.outcome} ${formatAge(startedMs, nowMs)} (${formatInstant(startedMs)}${run.durationMs === undefined ? '' : `, ${formatDuration(run.durationMs)}`})`;
  const details = [
    run.recordsWritten === undefined ? '' : `${run.recordsWritten} records written`,
    run.pages === undefined ? '' : `${run.pages} pages`,
    run.caughtUp === false ? 'backlog left' : '',
    run.authFailureCauses?.length ? `access denied: ${run.authFailureCauses.join(', ')}` : '',
    run.error
      ? `${run.error.name}${run.error.reason ? ` (${run.error.reason})` : ''}: ${run.error.message}`
      : '',
    run.outcome === 'skipped' || (!run.error && run.reason) ? (run.reason ?? '') : '',
  ].filter(Boolean);
  return details.length > 0 ? `${when}: ${details.join('; ')}` : when;
}

function describeSkew({ skewTarget, skew }: JobStatus, nowMs: number): string {
  if (!skewTarget) return 'not measured (the job names no skew target)';
  if (!skew) return `target ${skewTarget}: no measurement yet`;
  const parts: string[] = [];
  if (skew.offsetMs !== undefined && skew.boundMs !== undefined) {
    const sign = skew.offsetMs >= 0 ? '+' : '';
    const when = skew.measuredAt ? `, measured ${formatAge(Date.parse(skew.measuredAt), nowMs)}` : '';
    const over = skew.overTolerance ? `, OVER the tolerance of ${skew.toleranceMs} ms` : '';
    parts.push(`${sign}${skew.offsetMs.toFixed(1)} ms ± ${skew.boundMs.toFixed(1)} ms${when}${over}`);
  }
  if (skew.measurementFailed || skew.dateInconsistent) {
    const when = skew.failedAt ? ` ${formatAge(Date.parse(skew.failedAt), nowMs)}` : '';
    parts.push(`last attempt failed${when}: ${skew.failureReason ?? 'unknown reason'}`);
  }
  return `target ${skewTarget}: ${parts.join('; ') || 'no usable measurement'}`;
}

/** The scheduled audit's state (functions/reconcile/audit-state.ts), as the audit-* problem kinds judge it. */
function describeAudit({ audit }: JobStatus, nowMs: number): string {
  if (!audit)
    return "none recorded (the job's scheduled audit is off or has not run yet; npm start has none)";
  const parts: string[] = [];
  const done = audit.lastCompleted;
  if (audit.lastCompletedWindowEndMs !== undefined) {
    const outcome = done
      ? ` ${formatAge(done.atMs, nowMs)}: ${done.repaired} records repaired` +
        (done.leftAfterRepair > 0 ? `, ${done.leftAfterRepair} MISSING or stale left after its repair` : '')
      : '';
    parts.push(`window to ${formatInstant(audit.lastCompletedWindowEndMs)} completed${outcome}`);
  } else {
    const since =
      audit.firstSavedAtMs === undefined ? '' : ` (first run ${formatAge(audit.firstSavedAtMs, nowMs)})`;
    parts.push(`no window completed yet${since}`);
  }
  if (audit.inProgress) {
    parts.push(
      `[${formatInstant(audit.inProgress.fromMs)}, ${formatInstant(audit.inProgress.toMs)}) in progress, going on at the next invocation`,
    );
  }
  return parts.join('; ');
}

function describeAlarms({ alarms = [] }: JobStatus): string {
  const firing = alarms.filter((alarm) => alarm.state !== 'OK');
  if (firing.length === 0) return `all ${alarms.length} OK`;
  // One line each: the reason CloudWatch gives (the datapoint against the threshold) is what on call reads.
  const listed = firing.map(
    (alarm) =>
      `\n    ${alarm.name} ${alarm.state}${alarm.updatedAt ? ` since ${alarm.updatedAt}` : ''}${alarm.reason ? `: ${alarm.reason}` : ''}`,
  );
  return `${alarms.length - firing.length} of ${alarms.length} OK, not OK:${listed.join('')}`;
}
