// A sync job wired to the test run's DynamoDB Local and a ThingWorx simulator over loopback, with the
// real adapters (file key source, HTTP client, DynamoDB stores). Tests reach in only through seams a
// real deployment also has: the clock, the key file, the simulator's data and faults.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../functions/shared/clock.js';
import { controlKeys, recordKeys } from '../../functions/shared/tables.js';
import { createSyncDependencies } from '../../functions/sync/dependencies.js';
import type { RecordReader } from '../../functions/sync/paginate.js';
import type { RawRowArchive } from '../../functions/sync/quarantine.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { runSync, type SyncJobDependencies } from '../../functions/sync/sync-job.js';
import { type Watermark, WatermarkStore } from '../../functions/sync/watermark.js';
import { findGaps, sourceRecordsOf, storedRecords } from '../../infra/local/gap-check.js';
import {
  type SimulatorOptions,
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../infra/local/thingworx-simulator/index.js';
import { freshTables, type LocalDynamoDb } from './dynamodb.js';
import { RecordingLogger, RecordingMetrics } from './observability.js';

/** Real time plus a shift the test controls, so lease expiry needs no waiting. */
export class ShiftableClock implements Clock {
  shiftMs = 0;
  nowMs(): number {
    return Date.now() + this.shiftMs;
  }
}

export interface ReadHooks {
  readonly before?: (readNumber: number) => Promise<void> | void;
  readonly after?: (readNumber: number) => Promise<void> | void;
}

export interface SyncHarness {
  readonly job: string;
  readonly db: LocalDynamoDb;
  readonly sim: ThingWorxSimulator;
  readonly clock: ShiftableClock;
  readonly metrics: RecordingMetrics;
  readonly logger: RecordingLogger;
  readonly deps: SyncJobDependencies;
  /** Runs one sync as an invocation with `remainingTimeMs` left (default 120 s). */
  run(options?: { remainingTimeMs?: number; deps?: SyncJobDependencies }): ReturnType<typeof runSync>;
  /**
   * Dependencies whose reader calls the hooks around its n-th request (1-based); a hook may stall:
   * `before` holds the request back, `after` holds back the answer it got.
   */
  depsWithReadHook(hooks: ReadHooks): SyncJobDependencies;
  /**
   * Dependencies whose run dies once its n-th watermark commit has landed, as a killed Lambda does: every
   * later read and commit hangs, and the lease stays held. `died` resolves with that watermark.
   */
  depsThatCrashAfterCommits(n: number): { deps: SyncJobDependencies; died: Promise<Watermark> };
  /** Replaces the key file's content with a new key: a rotation as the file key source sees it. */
  rotateKey(): { keyId: string };
  readonly keyFile: string;
  /** Gaps, stale and extra records against the simulator's ground truth, keyed as the sync keys them. */
  gapReport(): Promise<ReturnType<typeof findGaps>>;
  /** The record keys of the simulator's current entries, as the sync makes them. */
  sourceKeys(): Set<string>;
  /** The record keys in the records table. */
  storedKeys(): Promise<Set<string>>;
  /** The record key the sync gives a simulator entry. */
  keyOf(entry: StreamEntry): string;
  watermark(): ReturnType<WatermarkStore['read']>;
  /** The job's run ledger items, oldest first. */
  ledgerItems(): Promise<Record<string, unknown>[]>;
  /** Every item of the job in the records table, whole. */
  recordItems(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startSyncHarness(
  label: string,
  options: { env?: Record<string, string>; simulator?: SimulatorOptions; rawRowArchive?: RawRowArchive } = {},
): Promise<SyncHarness> {
  const db = await freshTables(label);
  const sim = await startThingWorxSimulator({ seed: 7, ...options.simulator });
  const keyDir = mkdtempSync(join(tmpdir(), 'syncwarden-key-'));
  const keyFile = join(keyDir, 'app-key.json');
  // As a rotation writes it: the key's name and its expiry on the server, so a run need not ask the
  // server (tests of the expiry lookup write a key file without expiresAt themselves).
  const writeKey = ({ name, keyId }: { name: string; keyId: string }) => {
    const expiresAtMs = sim.keys.list().find((key) => key.name === name)?.expiresAtMs ?? 0;
    const expiresAt = new Date(expiresAtMs).toISOString();
    writeFileSync(keyFile, JSON.stringify({ appKey: keyId, keyName: name, expiresAt }));
  };
  writeKey(sim.keys.add({ name: `sync-test-${randomUUID().slice(0, 6)}` }));

  const job = `${label}-job`;
  const config = loadSyncConfig({
    SYNC_JOB_NAME: job,
    CONTROL_TABLE_NAME: db.tables.controlTable,
    RECORDS_TABLE_NAME: db.tables.recordsTable,
    ENDPOINT_BASE_URL: sim.baseUrl,
    ENDPOINT_THING: sim.thing,
    APP_KEY_FILE: keyFile,
    PAGE_SIZE: '100',
    OVERLAP_MS: '120000',
    REQUEST_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const clock = new ShiftableClock();
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  const deps = createSyncDependencies(config, {
    documentClient: db.documentClient,
    clock,
    metrics,
    logger,
    ...(options.rawRowArchive ? { rawRowArchive: options.rawRowArchive } : {}),
  });
  const watermarks = new WatermarkStore(db.documentClient, db.tables.controlTable);
  let lastRunStartMs = 0;

  const harness: SyncHarness = {
    job,
    db,
    sim,
    clock,
    metrics,
    logger,
    deps,
    keyFile,
    run: ({ remainingTimeMs = 120_000, deps: runDeps = deps } = {}) => {
      lastRunStartMs = sim.clock.nowMs();
      return runSync(runDeps, {
        runId: randomUUID(),
        requestId: randomUUID(),
        remainingTimeMs: () => remainingTimeMs,
      });
    },
    depsWithReadHook: (hooks) => withReadHooks(deps, hooks),
    depsThatCrashAfterCommits: (n) => crashAfterCommits(deps, n),
    rotateKey: () => {
      const next = sim.keys.add({ name: `sync-test-${randomUUID().slice(0, 6)}` });
      writeKey(next);
      return next;
    },
    gapReport: async () =>
      findGaps(
        sim.stream.all(),
        await storedRecords(db.documentClient, db.tables.recordsTable, job),
        await watermarks.read(job),
        config,
        lastRunStartMs,
      ),
    sourceKeys: () => new Set(sourceRecordsOf(sim.stream.all(), config).map((record) => record.key)),
    keyOf: (entry) => sourceRecordsOf([entry], config)[0]?.key ?? '',
    storedKeys: async () =>
      new Set((await storedRecords(db.documentClient, db.tables.recordsTable, job)).keys()),
    watermark: () => watermarks.read(job),
    ledgerItems: () =>
      queryAll(db, db.tables.controlTable, 'pk = :pk AND begins_with(sk, :run)', {
        ':pk': controlKeys.jobPartition(job),
        ':run': 'run#',
      }),
    recordItems: () =>
      queryAll(db, db.tables.recordsTable, 'pk = :pk', { ':pk': recordKeys.jobPartition(job) }),
    close: async () => {
      sim.stream.stopGrowth();
      await sim.stop();
      db.client.destroy();
    },
  };
  return harness;
}

function crashAfterCommits(deps: SyncJobDependencies, n: number) {
  let dead = false;
  let commits = 0;
  let died!: (watermark: Watermark) => void;
  const diedAt = new Promise<Watermark>((resolve) => {
    died = resolve;
  });
  const store = deps.watermarks;
  const watermarks = Object.create(store) as WatermarkStore;
  watermarks.commit = async (...args: Parameters<WatermarkStore['commit']>) => {
    if (dead || ++commits > n) return never();
    await store.commit(...args);
    if (commits === n) {
      dead = true;
      setImmediate(() => died(args[1])); // once the run has gone as far as it can: to a hanging call
    }
  };
  const hooked = withReadHooks(deps, {
    before: async () => {
      if (dead) await never();
    },
  });
  return { deps: { ...hooked, watermarks }, died: diedAt };
}

/** A promise that never settles: a request that hangs until the process dies. */
export const never = (): Promise<never> => new Promise<never>(() => undefined);

/** The same dependencies, with `hooks` awaited around each of a run's page requests (numbered from 1). */
export function withReadHooks(deps: SyncJobDependencies, hooks: ReadHooks): SyncJobDependencies {
  let reads = 0;
  return {
    ...deps,
    openSource: async (run) => {
      const read = await deps.openSource(run);
      const hooked: RecordReader = async (query) => {
        const readNumber = ++reads;
        await hooks.before?.(readNumber);
        const records = await read(query);
        await hooks.after?.(readNumber);
        return records;
      };
      return hooked;
    },
  };
}

async function queryAll(
  db: LocalDynamoDb,
  table: string,
  keyCondition: string,
  values: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.documentClient.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: values,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
