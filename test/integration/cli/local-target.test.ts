// How `--local` finds the embedded stack: a running `npm start` through its stack.json (here as a child
// process, `npx syncwarden status --local`), a stopped one through DynamoDB Local started over its saved
// data, and no state at all with the sentence that says to run npm start.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLedger } from '../../../functions/sync/run-ledger.js';
import {
  createTables,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from '../../../infra/local/dynamodb-local.js';
import {
  LOCAL_JOB,
  LOCAL_TABLES,
  localStatePaths,
  writeLiveStackFile,
} from '../../../infra/local/local-stack-file.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { liveStateDirFor, runCli } from './support.js';

const run = promisify(execFile);
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness('cli-local');
  const nowMs = h.sim.clock.nowMs();
  h.sim.stream.generate(80, { fromMs: nowMs - 3_600_000, toMs: nowMs - 60_000 });
  await h.run();
});

afterAll(async () => {
  await h?.close();
});

describe('syncwarden status --local while npm start runs', () => {
  it("answers from the endpoints the session's stack.json names, as `npx syncwarden` in a child process", async () => {
    const stateDir = liveStateDirFor(h);
    const { stdout, stderr } = await run('npx', ['syncwarden', 'status', '--local'], {
      env: { ...process.env, SYNCWARDEN_STATE_DIR: stateDir },
      timeout: 60_000,
    });

    const watermark = await h.watermark();
    const appKey = JSON.parse(readFileSync(h.keyFile, 'utf8')).appKey as string;
    expect(stdout).toContain(`npm start pid ${process.pid}`);
    expect(stdout).toContain(`job ${h.job}`);
    expect(stdout).toContain(`${new Date(watermark?.timestampMs ?? 0).toISOString().slice(0, 19)}Z`);
    expect(stdout).toMatch(/last run\s+succeeded .*80 records written/);
    expect(stdout + stderr).not.toContain(appKey);
  });
});

describe('syncwarden status --local while npm start is stopped', () => {
  it('starts DynamoDB Local over the saved data for the command, past a stack.json its session left', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'syncwarden-stopped-'));
    const paths = localStatePaths(stateDir);
    const saved = await startDynamoDbLocal({ dataDir: paths.dynamoDbData });
    const client = new DynamoDBClient(localDynamoDbClientConfig(saved.endpoint));
    await createTables(client, LOCAL_TABLES);
    const ledger = new RunLedger(DynamoDBDocumentClient.from(client), LOCAL_TABLES.controlTable, 90);
    const start = { job: LOCAL_JOB, runId: 'saved-run-1', startedAtMs: Date.now() - 120_000 };
    await ledger.start(start);
    await ledger.end(start, {
      outcome: 'succeeded',
      endedAtMs: start.startedAtMs + 4_000,
      recordsWritten: 17,
      pages: 2,
    });
    client.destroy();
    await saved.stop();
    // The session was killed: its stack.json names a process that is gone and a port nobody answers.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeLiveStackFile(stateDir, {
      pid: gone,
      startedAt: new Date().toISOString(),
      dynamoDbEndpoint: saved.endpoint,
      endpointUrl: 'http://127.0.0.1:1',
      simulator: true,
      job: LOCAL_JOB,
      tables: LOCAL_TABLES,
      keyFile: paths.keyFile,
    });

    const result = await runCli(['runs', '--local', '--json'], { SYNCWARDEN_STATE_DIR: stateDir });

    expect(result.stderr).toBe('');
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      expect.objectContaining({ runId: 'saved-run-1', outcome: 'succeeded', recordsWritten: 17, pages: 2 }),
    ]);
  }, 90_000);
});

describe('syncwarden status --local with no embedded stack yet', () => {
  it('says to run npm start first', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'syncwarden-empty-'));

    const result = await runCli(['status', '--local'], { SYNCWARDEN_STATE_DIR: empty });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no embedded stack in ${empty} yet`);
    expect(result.stderr).toContain('run npm start first');
  });
});
