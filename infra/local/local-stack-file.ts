// What `npm start` leaves under `.syncwarden/` for the operator commands (`syncwarden ... --local`):
//
//   .syncwarden/dynamodb/         DynamoDB Local's data (sharedDb), kept between sessions
//   .syncwarden/app-key.json      the key file (mode 0600; its value is never printed)
//   .syncwarden/local-job.json    the job's sync environment (kept): job, tables, Thing, key file path
//   .syncwarden/stack.json        only while `npm start` runs: its pid, DynamoDB Local and endpoint URLs
//
// A command that finds a live stack.json talks to that session's DynamoDB Local and simulator (two JVMs on
// one sharedDb file would not see each other's writes); without one it starts DynamoDB Local over the saved
// data itself. Nothing here holds a secret: the key stays in its own file.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TableNames } from '../../functions/shared/tables.js';

/** The embedded stack's one job and its tables: fixed, so a later session continues the earlier one's data. */
export const LOCAL_JOB = 'local-demo';
export const LOCAL_SKEW_TARGET = 'endpoint';
export const LOCAL_TABLES: TableNames = {
  controlTable: 'syncwarden-local-control',
  recordsTable: 'syncwarden-local-records',
};

/** `.syncwarden/` under the working directory, or `SYNCWARDEN_STATE_DIR` (tests point it elsewhere). */
export function localStateDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.SYNCWARDEN_STATE_DIR ?? '.syncwarden');
}

export const localStatePaths = (stateDir: string) => ({
  dynamoDbData: join(stateDir, 'dynamodb'),
  keyFile: join(stateDir, 'app-key.json'),
  jobEnvironment: join(stateDir, 'local-job.json'),
  liveStack: join(stateDir, 'stack.json'),
});

/** The sync Lambda's environment as `npm start` set it (functions/sync/sync-config.ts reads it). */
export interface LocalJobFile {
  readonly job: string;
  readonly syncEnvironment: Readonly<Record<string, string>>;
}

/** A running `npm start`: where its DynamoDB Local and endpoint answer. */
export interface LiveStackFile {
  readonly pid: number;
  readonly startedAt: string;
  readonly dynamoDbEndpoint: string;
  /** The simulator's base URL, or the real endpoint given with `npm start -- --endpoint`. */
  readonly endpointUrl: string;
  readonly simulator: boolean;
  readonly job: string;
  readonly tables: TableNames;
  readonly keyFile: string;
}

/** The variables the sync reads (sync-config.ts) as `npm start` set them; not the AWS_* or POWERTOOLS_* ones. */
export function syncEnvironmentOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const names = ['SYNC_JOB_NAME', 'CONTROL_TABLE_NAME', 'RECORDS_TABLE_NAME', 'ENDPOINT_BASE_URL'];
  names.push('ENDPOINT_THING', 'APP_KEY_FILE', 'SKEW_TARGET', 'MIN_REMAINING_TIME_MS', 'SAFETY_MARGIN_MS');
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name] as string]] : [])));
}

export function writeLocalJobFile(stateDir: string, file: LocalJobFile): void {
  writeFileSync(localStatePaths(stateDir).jobEnvironment, `${JSON.stringify(file, null, 2)}\n`);
}

export function readLocalJobFile(stateDir: string): LocalJobFile | undefined {
  return readJson<LocalJobFile>(localStatePaths(stateDir).jobEnvironment);
}

export function writeLiveStackFile(stateDir: string, file: LiveStackFile): void {
  writeFileSync(localStatePaths(stateDir).liveStack, `${JSON.stringify(file, null, 2)}\n`);
}

/** Removes stack.json, if it is this process's (a second `npm start` may have replaced it). */
export function removeLiveStackFile(stateDir: string, pid: number): void {
  const path = localStatePaths(stateDir).liveStack;
  if (readJson<LiveStackFile>(path)?.pid === pid) rmSync(path, { force: true });
}

/** stack.json when its process still runs; a file left by a killed session reads as none. */
export function readLiveStackFile(stateDir: string): LiveStackFile | undefined {
  const file = readJson<LiveStackFile>(localStatePaths(stateDir).liveStack);
  return file && processIsAlive(file.pid) ? file : undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: checks the process exists, sends nothing
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined; // half-written or hand-edited: treated as absent
  }
}
