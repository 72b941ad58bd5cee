// The options `syncwarden audit` and `syncwarden backfill` share: the job, the window [--from, --to), the
// target (--local / --stack, --region, --profile, --endpoint), --json, and how long the command may run
// (--timeout, the lease it takes is that long plus the lock's margin). Mistakes are UsageErrors (exit 2).
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../local/duration.js';
import { UsageError } from './io.js';
import type { TargetOptions } from './target.js';
import { parseWindowArguments } from './time-arguments.js';

export interface WindowCommandOptions {
  readonly job: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly json: boolean;
  /** How long the command may work before it stops (and, for the audit, prints a cursor). */
  readonly timeoutMs: number;
  readonly target: TargetOptions;
}

const TARGET_FLAGS = {
  local: { type: 'boolean' },
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  endpoint: { type: 'string' },
} as const;

const WINDOW_FLAGS = {
  job: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string', default: '15m' },
  help: { type: 'boolean', default: false },
} as const;

export const WINDOW_USAGE = `  --job <name>        the job (required)
  --from <time>       start of the window, inclusive (required)
  --to <time>         end of the window, exclusive (default: now)
                      times: ISO-8601 (2026-12-03T04:00:00Z), HH:MM (today, local time) or a duration back (2h)
  --local             the embedded stack (.syncwarden/); or --stack <name> [--region r] [--profile p]
  --endpoint <url>    with --local: a real endpoint instead of the simulator
  --timeout <d>       stop after this long (default 15m)
  --json              one JSON object instead of the report`;

/** Parses argv with the shared flags plus `extra`; undefined when --help was asked (usage printed). */
export function parseWindowCommand<E extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  argv: string[],
  extra: E,
  nowMs: number,
) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...WINDOW_FLAGS, ...TARGET_FLAGS, ...extra }, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return undefined;
  const job = values.job;
  if (typeof job !== 'string' || job === '') throw new UsageError('--job <name> is required');
  let window: { fromMs: number; toMs: number };
  let timeoutMs: number;
  try {
    window = parseWindowArguments(values.from as string | undefined, values.to as string | undefined, nowMs);
    timeoutMs = parseDurationMs('--timeout', values.timeout as string);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const target: TargetOptions = {
    ...(values.local ? { local: true } : {}),
    ...(typeof values.stack === 'string' ? { stack: values.stack } : {}),
    ...(typeof values.region === 'string' ? { region: values.region } : {}),
    ...(typeof values.profile === 'string' ? { profile: values.profile } : {}),
    ...(typeof values.endpoint === 'string' ? { endpoint: values.endpoint } : {}),
  };
  const options: WindowCommandOptions = { job, ...window, json: values.json === true, timeoutMs, target };
  return { options, values };
}
