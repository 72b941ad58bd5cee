// Where an operator command reads and writes: the embedded stack (`--local`) or a deployed stack
// (`--stack <name>`). Commands see only this interface; how a target is found lives behind it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeySource } from '../../functions/app-key/key-source.js';
import type { SyncConfig } from '../../functions/sync/sync-config.js';
import type { CliIo } from './io.js';

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

export interface Target {
  /** For the first line of a report, e.g. `local (.syncwarden/)` or `stack Prod (eu-west-1)`. */
  readonly description: string;
  readonly documentClient: DynamoDBDocumentClient;
  jobNames(): Promise<readonly string[]>;
  /** Throws an error naming the jobs it knows when `name` is not one of them. */
  job(name: string): Promise<JobTarget>;
  close(): Promise<void>;
}

/** Resolves `--local` / `--stack`; exactly one must be given (a UsageError otherwise). */
export async function resolveTarget(_options: TargetOptions, _io: CliIo): Promise<Target> {
  throw new Error('resolveTarget: not built yet');
}
