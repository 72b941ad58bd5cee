// What a real run writes to its log stream, measured on the embedded stack: DynamoDB Local, the ThingWorx
// simulator over loopback (an hour of stream entries, growing), and the real sync and clock-skew handlers,
// each invocation cold in its own process (run-logs-child.ts). The sync's second run is the steady state:
// an incremental run, as the schedule's every-4-hours runs are. Bytes are split into EMF lines (`_aws`) and
// the other lines; Lambda's platform lines are not written by the code and stay an assumption.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createTables,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from '../../../infra/local/dynamodb-local.js';
import { startThingWorxSimulator } from '../../../infra/local/thingworx-simulator/index.js';
import type { RunLogsInput } from './run-logs-child.js';

export interface RunLogBytes {
  readonly emfBytes: number;
  readonly otherBytes: number;
}

export interface MeasuredRunLogs {
  readonly sync: RunLogBytes;
  readonly clockSkew: RunLogBytes;
}

const CHILD = new URL('./run-logs-child.ts', import.meta.url).pathname;

export async function measureRunLogs(): Promise<MeasuredRunLogs> {
  // The SDK's notice that later releases need Node 22 would land in the bench's output (vitest.config.ts sets the same).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamoDb = await startDynamoDbLocal();
  const simulator = await startThingWorxSimulator({ seed: 14, entriesPerSecond: 5 });
  try {
    const tables = { controlTable: 'cost-control', recordsTable: 'cost-records' };
    await createTables(new DynamoDBClient(localDynamoDbClientConfig(dynamoDb.endpoint)), tables);
    const nowMs = simulator.clock.nowMs();
    simulator.stream.generate(1_000, { fromMs: nowMs - 3_600_000, toMs: nowMs });
    simulator.stream.startGrowth({});
    const key = simulator.keys.add({ name: 'cost-bench', expiresAtMs: nowMs + 86_400_000 });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'syncwarden-cost-key-')), 'key.json');
    writeFileSync(
      keyFile,
      JSON.stringify({ appKey: key.keyId, expiresAt: new Date(nowMs + 86_400_000).toISOString() }),
      {
        mode: 0o600,
      },
    );
    const target = {
      name: 'thingworx',
      url: new URL('/Thingworx/', simulator.baseUrl).href,
      toleranceMs: 2_000,
    };
    const env = {
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'SyncWarden-cost-bench',
      POWERTOOLS_SERVICE_NAME: 'syncwarden',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_TRACE_ENABLED: 'false',
      SYNC_JOB_NAME: 'sensor-stream',
      CONTROL_TABLE_NAME: tables.controlTable,
      RECORDS_TABLE_NAME: tables.recordsTable,
      ENDPOINT_BASE_URL: simulator.baseUrl,
      ENDPOINT_THING: 'SensorStream',
      APP_KEY_FILE: keyFile,
      SKEW_TARGET: target.name,
      SKEW_TARGETS: JSON.stringify([target]),
    };
    await invocationLogs({ lambda: 'sync', env }); // the first run: a backfill, not the steady state
    const sync = await invocationLogs({ lambda: 'sync', env });
    const clockSkew = await invocationLogs({ lambda: 'clock-skew', env });
    return { sync, clockSkew };
  } finally {
    await simulator.stop();
    await dynamoDb.stop();
  }
}

async function invocationLogs(input: RunLogsInput): Promise<RunLogBytes> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, RUN_LOGS_INPUT: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`the ${input.lambda} invocation failed: ${Buffer.concat(err).toString()}`);
  const bytes = { emfBytes: 0, otherBytes: 0 };
  for (const line of Buffer.concat(out).toString().split('\n')) {
    if (line.trim() === '') continue;
    const size = Buffer.byteLength(`${line}\n`);
    if (line.includes('"_aws"')) bytes.emfBytes += size;
    else bytes.otherBytes += size;
  }
  return bytes;
}
