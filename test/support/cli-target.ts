// A CLI Target (infra/cli/target.ts) over the test run's DynamoDB Local and a ThingWorx simulator on
// loopback: what `--local` resolves to, built by hand so the audit and backfill commands are tested
// without resolveTarget. One job, keyed and paged like the sync tests' (sync-harness.ts).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeySource } from '../../functions/app-key/file-source.js';
import { createSyncDependencies } from '../../functions/sync/dependencies.js';
import { loadSyncConfig, type SyncConfig } from '../../functions/sync/sync-config.js';
import { runSync } from '../../functions/sync/sync-job.js';
import type { Target } from '../../infra/cli/target.js';
import {
  type SimulatorOptions,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../infra/local/thingworx-simulator/index.js';
import { freshTables, type LocalDynamoDb } from './dynamodb.js';
import { RecordingLogger, RecordingMetrics } from './observability.js';

export interface CliTestStack {
  readonly target: Target;
  readonly config: SyncConfig;
  readonly db: LocalDynamoDb;
  readonly sim: ThingWorxSimulator;
  readonly keyFile: string;
  /** One sync of the job, as its Lambda runs it. */
  sync(): ReturnType<typeof runSync>;
  close(): Promise<void>;
}

export async function startCliTestStack(
  label: string,
  options: { env?: Record<string, string>; simulator?: SimulatorOptions } = {},
): Promise<CliTestStack> {
  const db = await freshTables(label);
  const sim = await startThingWorxSimulator({ seed: 11, ...options.simulator });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'syncwarden-cli-key-')), 'app-key.json');
  const key = sim.keys.add({ name: `cli-test-${randomUUID().slice(0, 6)}` });
  const expiresAtMs = sim.keys.list().find((k) => k.name === key.name)?.expiresAtMs ?? 0;
  writeFileSync(
    keyFile,
    JSON.stringify({ appKey: key.keyId, keyName: key.name, expiresAt: new Date(expiresAtMs).toISOString() }),
  );
  const config = loadSyncConfig({
    SYNC_JOB_NAME: `${label}-job`,
    CONTROL_TABLE_NAME: db.tables.controlTable,
    RECORDS_TABLE_NAME: db.tables.recordsTable,
    ENDPOINT_BASE_URL: sim.baseUrl,
    ENDPOINT_THING: sim.thing,
    APP_KEY_FILE: keyFile,
    PAGE_SIZE: '100',
    REQUEST_TIMEOUT_MS: '5000',
    ...options.env,
  });
  const keySource = new FileKeySource({ path: keyFile });
  const target: Target = {
    description: `test (DynamoDB Local ${db.endpoint})`,
    tables: db.tables,
    documentClient: db.documentClient,
    jobNames: async () => [config.job],
    job: async (name) => {
      if (name !== config.job) throw new Error(`unknown job "${name}"; this target has: ${config.job}`);
      return { config, keySource };
    },
    close: async () => undefined,
  };
  const syncDeps = createSyncDependencies(config, {
    documentClient: db.documentClient,
    keySource,
    metrics: new RecordingMetrics(),
    logger: new RecordingLogger(),
  });
  return {
    target,
    config,
    db,
    sim,
    keyFile,
    sync: () =>
      runSync(syncDeps, { runId: randomUUID(), requestId: randomUUID(), remainingTimeMs: () => 120_000 }),
    close: async () => {
      sim.stream.stopGrowth();
      await sim.stop();
      db.client.destroy();
    },
  };
}
