// One syncwarden sync in a fresh process, so its peak memory is its own: reads its setup from the
// BENCH_SYNC_INPUT environment variable, runs the real sync until caught up, prints one JSON line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSyncDependencies } from '../../functions/sync/dependencies.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { runSync } from '../../functions/sync/sync-job.js';
import { type CapacityTotals, trackCapacity } from './capacity-units.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';
import { standInForRecords } from './latency-stand-in.js';

export interface SyncChildInput {
  readonly baseUrl: string;
  readonly thing: string;
  readonly keyId: string;
  readonly dynamoDbEndpoint: string;
  readonly controlTable: string;
  readonly recordsTable: string;
  readonly job: string;
  readonly addedLatencyMs: number;
  readonly pageSize: number;
  /** Records-table requests answered by a latency-only stand-in after this many ms (latency-stand-in.ts). */
  readonly recordsStandInLatencyMs?: number;
  /**
   * Bill the records table's requests (capacity-units.ts), and make one more run to bill a re-read. Off in
   * the runs whose speed and memory are measured: the billing remembers every item's size.
   */
  readonly billUnits?: boolean;
}

export interface SyncChildOutput {
  readonly records: number;
  readonly ms: number;
  readonly requests: number;
  /** Requests to the endpoint (the stream service), probes and re-reads included. */
  readonly endpointRequests: number;
  readonly runs: number;
  readonly peakRssMb: number;
  /** CPU time (user + system) the catch-up runs took in this process. */
  readonly cpuMs: number;
  /** With billUnits: what AWS would bill the records table for the catch-up runs (capacity-units.ts). */
  readonly units?: CapacityTotals;
  /** With billUnits: one more run after catching up, with a one-hour overlap: what it re-read, and its units. */
  readonly reread?: { readonly records: number; readonly units: CapacityTotals };
}

/** The re-read run's overlap: about 2,000 of the bench's 50,000 records, spread over a day. */
const REREAD_OVERLAP_MS = 3_600_000;

const input = JSON.parse(process.env.BENCH_SYNC_INPUT ?? '{}') as SyncChildInput;
const keyFile = join(mkdtempSync(join(tmpdir(), 'syncwarden-bench-')), 'key.json');
writeFileSync(keyFile, JSON.stringify({ appKey: input.keyId }), { mode: 0o600 });
const dynamoDb = instrumentedDynamoDb(input.dynamoDbEndpoint, input.addedLatencyMs);
const capacity = input.billUnits ? trackCapacity(dynamoDb.client, input.recordsTable) : undefined;
if (input.recordsStandInLatencyMs !== undefined) {
  standInForRecords(dynamoDb.client, input.recordsTable, input.recordsStandInLatencyMs);
}
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const noMetrics = { addMetric() {}, singleMetric: () => ({ addMetric() {}, addDimension() {} }) };
const configFor = (overlapMs?: number) =>
  loadSyncConfig({
    SYNC_JOB_NAME: input.job,
    CONTROL_TABLE_NAME: input.controlTable,
    RECORDS_TABLE_NAME: input.recordsTable,
    ENDPOINT_BASE_URL: input.baseUrl,
    ENDPOINT_THING: input.thing,
    APP_KEY_FILE: keyFile,
    PAGE_SIZE: String(input.pageSize),
    ...(overlapMs === undefined ? {} : { OVERLAP_MS: String(overlapMs) }),
  });
const dependenciesFor = (overlapMs?: number) =>
  createSyncDependencies(configFor(overlapMs), {
    documentClient: dynamoDb.documentClient,
    logger: silent,
    metrics: noMetrics,
  });
const built = dependenciesFor();
let endpointRequests = 0;
const deps = {
  ...built,
  openSource: async (run: Parameters<typeof built.openSource>[0]) => {
    const read = await built.openSource(run);
    return (query: Parameters<typeof read>[0]) => {
      endpointRequests++;
      return read(query);
    };
  },
};

const profiler = process.env.BENCH_SYNC_CPU_PROF ? await startProfile() : undefined;
const started = performance.now();
const cpuBefore = process.cpuUsage();
let records = 0;
let runs = 0;
for (let caughtUp = false; !caughtUp; runs++) {
  const summary = await runSync(deps, {
    runId: `bench-${runs}`,
    requestId: `bench-${runs}`,
    remainingTimeMs: () => 900_000,
  });
  records += summary.recordsWritten ?? 0;
  caughtUp = summary.caughtUp !== false;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
await profiler?.stop();
const billed = capacity && (await billReread(capacity));

/** A CPU profile of the catch-up runs alone (no start-up), written to BENCH_SYNC_CPU_PROF's folder. */
async function startProfile() {
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      const file = join(process.env.BENCH_SYNC_CPU_PROF ?? '.', `sync-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** One more run over the last hour, all stored already: its units per record are a re-read's. */
async function billReread(tracker: NonNullable<typeof capacity>) {
  const units = tracker.totals();
  const reread = await runSync(dependenciesFor(REREAD_OVERLAP_MS), {
    runId: 'bench-reread',
    requestId: 'bench-reread',
    remainingTimeMs: () => 900_000,
  });
  const after = tracker.totals();
  return {
    units,
    reread: {
      records: reread.recordsAlreadyStored ?? 0,
      units: {
        writeUnits: after.writeUnits - units.writeUnits,
        readUnits: after.readUnits - units.readUnits,
      },
    },
  };
}
const output: SyncChildOutput = {
  records,
  ms,
  requests: dynamoDb.requests(),
  endpointRequests,
  runs,
  peakRssMb,
  cpuMs: (cpu.user + cpu.system) / 1000,
  ...billed,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
dynamoDb.client.destroy();
