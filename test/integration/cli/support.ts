// The operator commands run in-process against a sync harness's DynamoDB Local: a state directory that
// looks like a running `npm start` (stack.json with this process's pid), and streams that keep what the
// command printed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../../infra/cli/io.js';
import { main } from '../../../infra/cli/main.js';
import { writeLiveStackFile, writeLocalJobFile } from '../../../infra/local/local-stack-file.js';
import type { SyncHarness } from '../../support/sync-harness.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `syncwarden <argv>` in this process with `env` as its environment. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const io: CliIo = { stdout, stderr, env };
  const code = await main(argv, io);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/**
 * A `.syncwarden/` as `npm start` leaves it while it runs, for the harness's job and tables: commands with
 * `--local` and SYNCWARDEN_STATE_DIR pointing here talk to the harness's DynamoDB Local and simulator.
 */
export function liveStateDirFor(h: SyncHarness, skewTarget?: string): string {
  const stateDir = mkdtempSync(join(tmpdir(), 'syncwarden-state-'));
  writeLocalJobFile(stateDir, {
    job: h.job,
    syncEnvironment: {
      SYNC_JOB_NAME: h.job,
      CONTROL_TABLE_NAME: h.db.tables.controlTable,
      RECORDS_TABLE_NAME: h.db.tables.recordsTable,
      ENDPOINT_BASE_URL: h.sim.baseUrl,
      ENDPOINT_THING: h.sim.thing,
      APP_KEY_FILE: h.keyFile,
      ...(skewTarget ? { SKEW_TARGET: skewTarget } : {}),
    },
  });
  writeLiveStackFile(stateDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dynamoDbEndpoint: h.db.endpoint,
    endpointUrl: h.sim.baseUrl,
    simulator: true,
    job: h.job,
    tables: h.db.tables,
    keyFile: h.keyFile,
  });
  return stateDir;
}
