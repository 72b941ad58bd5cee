// Where an operator command reads and writes: the embedded stack (`--local`) or a deployed stack
// (`--stack <name>`). Commands see only this interface; how a target is found lives behind it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeySource } from '../../functions/app-key/key-source.js';
import type { TableNames } from '../../functions/shared/tables.js';
import type { SyncConfig } from '../../functions/sync/sync-config.js';
import { type CliIo, UsageError } from './io.js';
import { resolveLocalTarget } from './local-target.js';
import { resolveStackTarget } from './stack-target.js';

export interface TargetOptions {
  /** The embedded stack's data under `.syncwarden/` (and its simulator, or `endpoint`). */
  readonly local?: boolean;
  /** A deployed stack's name, read through CloudFormation with the default credential chain. */
  readonly stack?: string;
  readonly region?: string;
  readonly profile?: string;
  /** With `local`: a real endpoint instead of the embedded simulator. */
  readonly endpoint?: string;
}

/** One job as its sync Lambda sees it: its configuration and its key (never printed). */
export interface JobTarget {
  readonly config: SyncConfig;
  readonly keySource: KeySource;
}

/** One CloudWatch alarm as DescribeAlarms reports it. */
export interface AlarmState {
  readonly name: string;
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | string;
  readonly reason?: string;
  readonly updatedAt?: string;
}

export interface Target {
  /** For the first line of a report, e.g. `local (.syncwarden/)` or `stack Prod (eu-west-1)`. */
  readonly description: string;
  readonly documentClient: DynamoDBDocumentClient;
  /** The deployment's control and records tables (one pair for all its jobs). */
  readonly tables: TableNames;
  /**
   * Set when the jobs' source cannot be read from here, with the sentence saying why and what to do
   * (`--local` while `npm start` is stopped: the simulator's entries lived in its process). Commands that read
   * the source (audit, backfill) print it and stop; status and runs read only DynamoDB.
   */
  readonly sourceUnavailable?: string;
  /** The job's alarms and their states (`--stack` only: the embedded stack has no alarms). */
  alarmStates?(job: string): Promise<readonly AlarmState[]>;
  jobNames(): Promise<readonly string[]>;
  /** Throws an error naming the jobs it knows when `name` is not one of them. */
  job(name: string): Promise<JobTarget>;
  close(): Promise<void>;
}

/** The options every operator command takes, for its `--help` (parsed by `targetOptionsOf`). */
export const TARGET_USAGE = `  --local                the embedded stack (npm start's data under .syncwarden/)
  --endpoint <url>       with --local: read the source from this server instead of the simulator
  --stack <name>         a deployed stack, found through CloudFormation in --region
  --region <region>      default: AWS_REGION, then the profile's region
  --profile <name>       a named profile of the default credential chain (~/.aws/config)`;

/** The `node:util` parseArgs options behind TARGET_USAGE. */
export const TARGET_ARGUMENTS = {
  local: { type: 'boolean' },
  endpoint: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
} as const;

export function targetOptionsOf(values: {
  local?: boolean | undefined;
  endpoint?: string | undefined;
  stack?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
}): TargetOptions {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** Resolves `--local` / `--stack`; exactly one must be given (a UsageError otherwise). */
export async function resolveTarget(options: TargetOptions, io: CliIo): Promise<Target> {
  if (Boolean(options.local) === Boolean(options.stack)) {
    throw new UsageError(
      'say where to look: --local (the embedded stack of npm start) or --stack <name> (a deployed stack)',
    );
  }
  // The SDK's notice that its 2027 releases need Node 22 is not the operator's concern (run-local.ts does the same).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (options.local) {
    if (options.region || options.profile) throw new UsageError('--region and --profile go with --stack');
    return resolveLocalTarget(options, io);
  }
  if (options.endpoint)
    throw new UsageError("--endpoint goes with --local; a stack reads its jobs' endpoints");
  return resolveStackTarget(options as TargetOptions & { stack: string });
}
