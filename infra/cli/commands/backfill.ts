// `syncwarden backfill --job J --from T --to T [--json]`: re-syncs a historical window (data from before
// syncwarden, or a span to write again) under the job's lease, through the same records store and fence as
// the sync (functions/reconcile/reconcile-runs.ts): a record is only ever replaced by a newer version, the
// watermark is left alone, and the run is in the run ledger as a `backfill`. A sync running holds the
// lease: the backfill then writes nothing and says so. Exit code 0 when the whole window was stored.
import { backfillWindow } from '../../../functions/reconcile/reconcile-runs.js';
import { type Clock, systemClock } from '../../../functions/shared/clock.js';
import type { CliCommand, CliIo, ExitCode } from '../io.js';
import { progressBar } from '../progress-bar.js';
import { parseWindowCommand, WINDOW_USAGE, type WindowCommandOptions } from '../reconcile-arguments.js';
import { cliInvocation, reconcileDependenciesFor } from '../reconcile-target.js';
import { resolveTarget, type Target } from '../target.js';

const USAGE = `Usage: syncwarden backfill --job <name> --from <time> [--to <time>] [options]
${WINDOW_USAGE}`;

export const backfillCommand: CliCommand = {
  summary: 're-sync a historical window of a job under its lock (same write path as the sync)',
  async run(argv, io) {
    const parsed = parseWindowCommand(argv, {}, Date.now());
    if (!parsed) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const target = await resolveTarget(parsed.options.target, io);
    try {
      return await runBackfill(target, parsed.options, io);
    } finally {
      await target.close();
    }
  },
};

const iso = (ms: number) => new Date(ms).toISOString();
const count = (n: number) => n.toLocaleString('en-US');

/** The backfill on a resolved target: prints what it stored, returns the exit code. */
export async function runBackfill(
  target: Target,
  options: WindowCommandOptions,
  io: CliIo,
  clock: Clock = systemClock,
): Promise<ExitCode> {
  const deps = await reconcileDependenciesFor(target, options.job, io, clock);
  const bar = progressBar(io, 'backfill', !options.json);
  let outcome: Awaited<ReturnType<typeof backfillWindow>>;
  try {
    outcome = await backfillWindow(deps, cliInvocation(options.timeoutMs, clock), {
      fromMs: options.fromMs,
      toMs: options.toMs,
      onProgress: bar.update,
    });
  } finally {
    bar.done();
  }
  if (outcome.outcome === 'skipped') {
    if (options.json) io.stdout.write(`${JSON.stringify({ job: options.job, skipped: outcome.reason })}\n`);
    else io.stderr.write(`syncwarden backfill: skipped, ${outcome.reason}; a sync of the job is running\n`);
    return 1;
  }
  const r = outcome.result;
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({
        job: options.job,
        target: target.description,
        from: iso(options.fromMs),
        to: iso(options.toMs),
        runId: outcome.runId,
        fence: outcome.fence,
        ...r,
        storedUpTo: iso(r.storedUpToMs),
      })}\n`,
    );
  } else {
    const lines = [
      `backfill of ${options.job} on ${target.description}`,
      `  window    [${iso(options.fromMs)}, ${iso(options.toMs)}) of source time`,
      `  stored    ${count(r.written)} records written, ${count(r.alreadyStored)} already stored` +
        `${r.quarantined > 0 ? `, ${count(r.quarantined)} quarantined` : ''}, in ${count(r.pages)} pages`,
      `  run       ${outcome.runId} under fence ${outcome.fence}, in the run ledger; the watermark is unchanged`,
      ...(r.complete
        ? []
        : [
            `  stopped   at the time limit; stored up to ${iso(r.storedUpToMs)}. Continue with --from ${iso(r.storedUpToMs)}`,
          ]),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return r.complete ? 0 : 1;
}
