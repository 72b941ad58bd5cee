// `syncwarden audit --job J --from T --to T [--repair] [--prune] [--cursor C] [--json]`: compares the
// job's window at the source with its records table (functions/reconcile/audit.ts) and prints what is
// missing, stale and extra, with the per-hour counts; --repair writes the missing and stale records under
// the job's lease (a sync running holds it: the repair then writes nothing), --prune also deletes the
// extra ones. Exit code 0 when the table matches the source (after the repair), 1 when it does not.
import { auditWindow } from '../../../functions/reconcile/audit.js';
import { repairWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { type Clock, systemClock } from '../../../functions/shared/clock.js';
import {
  type AuditCommandResult,
  auditClean,
  auditJson,
  formatAudit,
  skippedRepair,
} from '../audit-report.js';
import { type CliCommand, type CliIo, type ExitCode, UsageError } from '../io.js';
import { progressBar } from '../progress-bar.js';
import { parseWindowCommand, WINDOW_USAGE, type WindowCommandOptions } from '../reconcile-arguments.js';
import { cliInvocation, reconcileDependenciesFor } from '../reconcile-target.js';
import { resolveTarget, type Target } from '../target.js';

const USAGE = `Usage: syncwarden audit --job <name> --from <time> [--to <time>] [--repair [--prune]] [--cursor <c>] [options]
${WINDOW_USAGE}
  --repair            write what is missing or stale, under the job's lease (never while a sync runs)
  --prune             with --repair: also delete records the source no longer holds
  --cursor <c>        go on from where an audit of the same window stopped (it prints the command)`;

export interface AuditOptions extends WindowCommandOptions {
  readonly repair: boolean;
  readonly prune: boolean;
  readonly cursor?: string;
}

export const auditCommand: CliCommand = {
  summary: 'compare a window of a job with its source: missing, stale, extra; --repair writes them',
  async run(argv, io) {
    const parsed = parseWindowCommand(argv, AUDIT_FLAGS, Date.now());
    if (!parsed) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const { values } = parsed;
    const options: AuditOptions = {
      ...parsed.options,
      repair: values.repair === true,
      prune: values.prune === true,
      ...(typeof values.cursor === 'string' ? { cursor: values.cursor } : {}),
    };
    if (options.prune && !options.repair) throw new UsageError('--prune deletes records: it needs --repair');
    const target = await resolveTarget(options.target, io);
    try {
      return await runAudit(target, options, io);
    } finally {
      await target.close();
    }
  },
};

const AUDIT_FLAGS = {
  repair: { type: 'boolean', default: false },
  prune: { type: 'boolean', default: false },
  cursor: { type: 'string' },
} as const;

/** The audit on a resolved target: prints its report, returns the exit code. */
export async function runAudit(
  target: Target,
  options: AuditOptions,
  io: CliIo,
  clock: Clock = systemClock,
): Promise<ExitCode> {
  const deps = await reconcileDependenciesFor(target, options.job, io, clock);
  const bar = progressBar(io, 'audit', !options.json);
  const request = {
    fromMs: options.fromMs,
    toMs: options.toMs,
    ...(options.cursor ? { cursor: options.cursor } : {}),
    onProgress: bar.update,
  };
  let result: AuditCommandResult;
  try {
    if (options.repair) {
      const outcome = await repairWindow(deps, cliInvocation(options.timeoutMs, clock), {
        ...request,
        prune: options.prune,
      });
      if (outcome.outcome === 'skipped') {
        if (options.json)
          io.stdout.write(`${JSON.stringify({ job: options.job, skipped: outcome.reason })}\n`);
        else io.stderr.write(`syncwarden audit: ${skippedRepair(outcome)}\n`);
        return 1;
      }
      result = {
        target: target.description,
        report: outcome.result,
        repair: { runId: outcome.runId, fence: outcome.fence, prune: options.prune },
      };
    } else {
      const deadlineMs = clock.nowMs() + options.timeoutMs;
      const report = await auditWindow(deps, { ...request, job: options.job, deadlineMs });
      result = { target: target.description, report };
    }
  } finally {
    bar.done();
  }
  if (options.json) io.stdout.write(`${JSON.stringify(auditJson(result))}\n`);
  else io.stdout.write(formatAudit(result, (cursor) => continueCommand(options, cursor)));
  return auditClean(result) && result.report.complete ? 0 : 1;
}

/** The command that goes on from `cursor`: the same window, in absolute times. */
function continueCommand(options: AuditOptions, cursor: string): string {
  const target = options.target.stack ? `--stack ${options.target.stack}` : '--local';
  const flags = [options.repair ? '--repair' : '', options.prune ? '--prune' : ''].filter(Boolean).join(' ');
  return (
    `syncwarden audit ${target} --job ${options.job} --from ${new Date(options.fromMs).toISOString()} ` +
    `--to ${new Date(options.toMs).toISOString()}${flags ? ` ${flags}` : ''} --cursor ${cursor}`
  );
}
