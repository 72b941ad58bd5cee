// `syncwarden runs --job J [--since 04:00|2h] [--failed] [--json]`: the job's run ledger, newest first, read
// by Query on the job's partition with the time range as the sort-key condition (run-ledger.ts).
import { readLedgerRuns } from '../../../functions/sync/run-ledger.js';
import { type CliCommand, UsageError } from '../io.js';
import { parseCommandArguments } from '../operator-arguments.js';
import { formatDuration, formatInstant, renderTable } from '../operator-output.js';
import { resolveTarget, TARGET_ARGUMENTS, TARGET_USAGE, targetOptionsOf } from '../target.js';
import { unknownJobError } from '../target-errors.js';
import { parseTimeArgument } from '../time-arguments.js';

const USAGE = `Usage: syncwarden runs (--local | --stack <name>) --job <name> [--since <time>] [--failed] [--json]
  --job <name>           the job (may be left out when the target has one job)
  --since <time>         runs started since: ISO-8601, HH:MM (today, local time) or a duration (2h); default 24h
  --limit <n>            at most this many runs, newest first (default 50)
  --failed               only failed runs
  --json                 one JSON object per run (the ledger item, as stored), newest first
${TARGET_USAGE}`;

export const runsCommand: CliCommand = {
  summary:
    'the run ledger as a table: when, kind (sync, repair, backfill), outcome, records, pages, causes, error',
  async run(argv, io) {
    const values = parseCommandArguments(USAGE, argv, {
      ...TARGET_ARGUMENTS,
      job: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      failed: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    } as const);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const nowMs = Date.now();
    let sinceMs: number;
    try {
      sinceMs = parseTimeArgument('--since', values.since ?? '24h', nowMs);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const limit = Number(values.limit ?? 50);
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new UsageError(`--limit: expected a whole number >= 1, got ${JSON.stringify(values.limit)}`);
    }
    const target = await resolveTarget(targetOptionsOf(values), io);
    try {
      const job = values.job ?? (await onlyJob(await target.jobNames()));
      const known = await target.jobNames();
      if (!known.includes(job)) throw unknownJobError(job, known, target.description);
      const runs = await readLedgerRuns(target.documentClient, target.tables.controlTable, job, {
        sinceMs,
        limit,
        ...(values.failed ? { outcome: 'failed' as const } : {}),
      });
      if (values.json) {
        for (const run of runs) io.stdout.write(`${JSON.stringify(run)}\n`);
        return 0;
      }
      const what = `${values.failed ? 'failed ' : ''}run${runs.length === 1 ? '' : 's'} of job ${job} since ${formatInstant(sinceMs)}`;
      io.stdout.write(
        `${target.description}: ${runs.length} ${what}${runs.length === limit ? ` (the newest ${limit}; --limit for more)` : ''}\n`,
      );
      if (runs.length > 0) io.stdout.write(`\n${runsTable(runs)}\n`);
      return 0;
    } finally {
      await target.close();
    }
  },
};

async function onlyJob(names: readonly string[]): Promise<string> {
  if (names.length === 1) return names[0] as string;
  throw new UsageError(`--job is required: this target has ${names.length} jobs (${names.join(', ')})`);
}

export function runsTable(runs: Awaited<ReturnType<typeof readLedgerRuns>>): string {
  const rows = runs.map((run) => [
    formatInstant(Date.parse(run.startedAt)),
    run.kind ?? 'sync',
    run.outcome + (run.caughtUp === false ? ' (behind)' : ''),
    run.durationMs === undefined ? '' : formatDuration(run.durationMs),
    run.recordsWritten === undefined
      ? ''
      : `${run.recordsWritten}${run.recordsAlreadyStored ? ` (+${run.recordsAlreadyStored} stored)` : ''}`,
    run.pages === undefined ? '' : String(run.pages),
    run.authFailureCauses?.join(',') ?? '',
    run.error
      ? `${run.error.name}${run.error.reason ? ` (${run.error.reason})` : ''}: ${run.error.message}`
      : (run.reason ?? ''),
  ]);
  return renderTable(
    ['started', 'kind', 'outcome', 'took', 'records', 'pages', 'causes', 'error / reason'],
    rows,
  );
}
