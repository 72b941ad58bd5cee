// `npm run bench:sync`: syncwarden's sync from the simulator into DynamoDB Local, beside (b) a naive
// baseline (fetch everything, one PutItem per record, sequentially) and (c) a write floor (the same
// records with BatchWriteItem at syncwarden's concurrency: no fetch, no conditions, no watermark).
// (d) is the conditional-write ceiling: syncwarden's own RecordsStore writing the same records in hand
// (no fetch, no watermark), i.e. the fastest DynamoDB Local accepts the conditional writes the
// no-regression guarantee needs; (a)/(d) is syncwarden's overhead, (d)/(c) the engine's price of conditions.
// (t) is the store's previous design (conditional puts in TransactWriteItems of 100), for the price of the
// new one in throughput. Each is measured as DynamoDB Local is, and with 5 ms added to every DynamoDB
// round trip. syncwarden runs in a fresh child process per measurement, the simulator in another, so peak
// RSS is the sync's own. Capacity units are what AWS would bill (capacity-units.ts): DynamoDB Local
// reports some of them, not as AWS bills them.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KeySource } from '../../functions/app-key/key-source.js';
import { ThingWorxClient } from '../../functions/endpoint/thingworx-client.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { crossCheckPutUnits, printUnits } from './capacity-report.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';
import { pagerProfileFigures, printPagerFigures } from './pager-profiles.js';
import {
  conditionalCeiling,
  type Figure,
  figure,
  newTables,
  setting,
  toItem,
  transactionsBefore,
  type UnitFigure,
  writeFloor,
} from './sync-baselines.js';
import type { SyncChildInput, SyncChildOutput } from './sync-child.js';

const RECORDS = 50_000;
const LARGE_RECORDS = 200_000;
const NAIVE_SAMPLE = 5_000;
const PAGE_SIZE = 1_000;
const ADDED_LATENCY_MS = 5;
/** Row (e): the round trip of the latency-only records stand-in, no work behind it. */
const STAND_IN_LATENCY_MS = 10;
const STAND_IN_TARGET_RECORDS_PER_SECOND = 20_000;
const quietEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
/**
 * `npm run bench:sync -- --only e`: row (e) alone, in seconds rather than the full bench's many minutes,
 * for work on the sync's own CPU. BENCH_SYNC_CPU_PROF=<dir> writes the sync child's CPU profiles there.
 */
const onlyRow = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
const cpuProfileDir = process.env.BENCH_SYNC_CPU_PROF;

interface Source {
  readonly baseUrl: string;
  readonly thing: string;
  readonly keyId: string;
  readonly entries: number;
  readonly process: ChildProcess;
}

async function startSource(entries: number): Promise<Source> {
  const child = spawn('npx', ['tsx', 'test/bench/simulator-process.ts', String(entries)], {
    env: quietEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  return { ...(JSON.parse(line) as Omit<Source, 'process'>), process: child };
}

async function stopSource(source: Source): Promise<void> {
  source.process.stdin?.end();
  await once(source.process, 'exit');
}

async function syncwarden(
  source: Source,
  endpoint: string,
  addedLatencyMs: number,
  options: { readonly recordsStandInLatencyMs?: number; readonly billUnits?: boolean } = {},
): Promise<Figure & { units?: UnitFigure; cpuMsPer1000: number }> {
  const { recordsStandInLatencyMs, billUnits } = options;
  const tables = await newTables(endpoint);
  const input: SyncChildInput = {
    baseUrl: source.baseUrl,
    thing: source.thing,
    keyId: source.keyId,
    dynamoDbEndpoint: endpoint,
    ...tables,
    job: 'bench',
    addedLatencyMs,
    pageSize: PAGE_SIZE,
    ...(recordsStandInLatencyMs === undefined ? {} : { recordsStandInLatencyMs }),
    ...(billUnits ? { billUnits } : {}),
  };
  const child = spawn('npx', ['tsx', 'test/bench/sync-child.ts'], {
    env: {
      ...quietEnv,
      BENCH_SYNC_INPUT: JSON.stringify(input),
      ...(cpuProfileDir ? { BENCH_SYNC_CPU_PROF: cpuProfileDir } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  await once(child, 'exit');
  const out = JSON.parse(line) as SyncChildOutput;
  if (out.records !== source.entries)
    throw new Error(`syncwarden wrote ${out.records} of ${source.entries} records`);
  return {
    method:
      recordsStandInLatencyMs === undefined ? '(a) syncwarden' : '(e) syncwarden, records to a stand-in',
    setting:
      recordsStandInLatencyMs === undefined
        ? setting(addedLatencyMs)
        : `${recordsStandInLatencyMs} ms/request, no work`,
    cpuMsPer1000: (out.cpuMs / out.records) * 1000,
    records: out.records,
    recordsPerSecond: out.records / (out.ms / 1000),
    requestsPer1000: (out.requests / out.records) * 1000,
    endpointRequestsPer1000: (out.endpointRequests / out.records) * 1000,
    peakRssMb: out.peakRssMb,
    ...(out.units && out.reread
      ? {
          units: {
            method: '(a) syncwarden',
            perNewRecord: {
              writeUnits: out.units.writeUnits / out.records,
              readUnits: out.units.readUnits / out.records,
            },
            perRereadRecord: {
              writeUnits: out.reread.units.writeUnits / out.reread.records,
              readUnits: out.reread.units.readUnits / out.reread.records,
            },
          },
        }
      : {}),
  };
}

function staticKey(keyId: string): KeySource {
  const key = { appKey: keyId, versionId: 'bench' };
  return { get: async () => key, refresh: async () => key, describe: () => 'bench key' };
}

function sourceClient(source: Source): ThingWorxClient {
  return new ThingWorxClient({
    baseUrl: source.baseUrl,
    keySource: staticKey(source.keyId),
    deadlineEpochMs: Date.now() + 600_000,
    requestTimeoutMs: 120_000,
    maxResponseBytes: 512 * 1024 * 1024,
  });
}

/** (b): one request for the whole window, then one PutItem per record, one after another. */
async function naive(source: Source, endpoint: string, addedLatencyMs: number): Promise<Figure> {
  const tables = await newTables(endpoint);
  const db = instrumentedDynamoDb(endpoint, addedLatencyMs);
  const started = performance.now();
  const { rows } = await sourceClient(source).callService(source.thing, 'QueryStreamEntriesWithData', {
    maxItems: NAIVE_SAMPLE,
    oldestFirst: true,
  });
  for (const [index, row] of rows.entries()) {
    await db.documentClient.send(
      new PutCommand({ TableName: tables.recordsTable, Item: toItem(row, index) }),
    );
  }
  return figure('(b) naive: fetch all, PutItem each', addedLatencyMs, rows.length, started, db.requests());
}

async function allRows(source: Source): Promise<Record<string, unknown>[]> {
  const { rows } = await sourceClient(source).callService(source.thing, 'QueryStreamEntriesWithData', {
    maxItems: source.entries,
    oldestFirst: true,
  });
  return [...rows];
}

function printTable(figures: readonly Figure[]): void {
  const header = ['method', 'DynamoDB', 'records', 'records/s', 'requests/1000', 'peak RSS MB'];
  const rows = figures.map((f) => [
    f.method,
    f.setting,
    String(f.records),
    f.recordsPerSecond.toFixed(0),
    f.requestsPer1000.toFixed(1),
    f.peakRssMb === undefined ? '' : f.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function ratio(name: string, value: number, target: string, pass: boolean): string {
  return `${name.padEnd(58)} ${value.toFixed(2).padStart(7)}   target ${target.padEnd(7)} ${pass ? 'met' : 'NOT MET'}`;
}

/** A ratio printed for context, with no target of its own. */
function info(name: string, value: number): string {
  return `${name.padEnd(58)} ${value.toFixed(2).padStart(7)}`;
}

function printStandIn(standIn: Figure & { cpuMsPer1000: number }): void {
  console.log(
    ratio(
      `(e) records/s, records to a ${STAND_IN_LATENCY_MS} ms stand-in (one core)`,
      standIn.recordsPerSecond,
      `>= ${STAND_IN_TARGET_RECORDS_PER_SECOND}`,
      standIn.recordsPerSecond >= STAND_IN_TARGET_RECORDS_PER_SECOND,
    ),
  );
  console.log(info('(e) sync CPU ms per 1000 records', standIn.cpuMsPer1000));
}

/** Row (e) alone (`--only e`): the same measurement as in the full bench, printed the same way. */
async function onlyStandIn(source: Source, endpoint: string): Promise<void> {
  console.log(`bench:sync --only e — ${RECORDS} source records, page size ${PAGE_SIZE}`);
  const standIn = await syncwarden(source, endpoint, 0, { recordsStandInLatencyMs: STAND_IN_LATENCY_MS });
  printTable([standIn]);
  printStandIn(standIn);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (onlyRow !== undefined && onlyRow !== 'e') throw new Error(`--only knows row e, not ${onlyRow}`);
  const dynamoDb = await startDynamoDbLocal();
  const source = await startSource(RECORDS);
  try {
    if (onlyRow === 'e') {
      await onlyStandIn(source, dynamoDb.endpoint);
      await stopSource(source);
      return;
    }
    console.log(
      `bench:sync — ${RECORDS} source records (naive baseline on a ${NAIVE_SAMPLE}-record sample), page size ${PAGE_SIZE}`,
    );
    const rows = await allRows(source);
    const meanRowBytes = rows.reduce((sum, row) => sum + JSON.stringify(row).length, 0) / rows.length;
    console.log(`source rows: ${meanRowBytes.toFixed(0)} bytes of JSON on average`);
    // Warm DynamoDB Local's JIT (every write path) so the first method measured does not pay for it.
    for (const warm of [writeFloor, conditionalCeiling, transactionsBefore]) {
      await warm(rows.slice(0, 5_000), dynamoDb.endpoint, 0);
    }
    const figures: Figure[] = [];
    const units: UnitFigure[] = [];
    for (const latency of [0, ADDED_LATENCY_MS]) {
      const synced = await syncwarden(source, dynamoDb.endpoint, latency);
      figures.push(synced, await naive(source, dynamoDb.endpoint, latency));
      const inHand = [];
      for (const writer of [writeFloor, conditionalCeiling, transactionsBefore]) {
        inHand.push(await writer(rows, dynamoDb.endpoint, latency));
      }
      figures.push(...inHand.map((measured) => measured.figure));
      if (latency === 0) units.push(...inHand.map((measured) => measured.units));
    }
    const standIn = await syncwarden(source, dynamoDb.endpoint, 0, {
      recordsStandInLatencyMs: STAND_IN_LATENCY_MS,
    });
    figures.push(standIn);
    // Billed in a run of its own: the billing remembers every item's size, which would weigh on RSS.
    const billed = await syncwarden(source, dynamoDb.endpoint, 0, { billUnits: true });
    if (!billed.units) throw new Error('the billed run reported no units');
    units.unshift(billed.units);
    await stopSource(source);
    const large = await startSource(LARGE_RECORDS);
    figures.push(await syncwarden(large, dynamoDb.endpoint, 0));
    await stopSource(large);

    printTable(figures);
    const find = (method: string, latency: number, records = RECORDS) =>
      figures.find(
        (f) =>
          f.method.startsWith(method) &&
          f.setting === setting(latency) &&
          (method !== '(a)' || f.records === records),
      ) as Figure;
    const a0 = find('(a)', 0);
    const a5 = find('(a)', ADDED_LATENCY_MS);
    const aLarge = find('(a)', 0, LARGE_RECORDS);
    console.log('\nratios (this run):');
    const withLatency = a5.recordsPerSecond / find('(b)', ADDED_LATENCY_MS).recordsPerSecond;
    console.log(ratio('(a)/(b) records/s, +5 ms', withLatency, '>= 10', withLatency >= 10));
    for (const [a, latency] of [
      [a0, 0],
      [a5, ADDED_LATENCY_MS],
    ] as const) {
      const floor = find('(c)', latency).recordsPerSecond;
      const ceiling = find('(d)', latency).recordsPerSecond;
      const r = a.recordsPerSecond / floor;
      console.log(ratio(`(a)/(c) records/s, ${setting(latency)}`, r, '>= 0.3', r >= 0.3));
      console.log(info(`  (d)/(c): conditional writes vs BatchWriteItem, same engine`, ceiling / floor));
      const overhead = a.recordsPerSecond / ceiling;
      console.log(
        ratio(`  (a)/(d): syncwarden vs its conditional-write ceiling`, overhead, '>= 0.8', overhead >= 0.8),
      );
      const before = find('(t)', latency).recordsPerSecond;
      console.log(info(`  (d)/(t): this write path vs TransactWriteItems, same engine`, ceiling / before));
    }
    const maxRequests = Math.max(a0.requestsPer1000, a5.requestsPer1000, aLarge.requestsPer1000);
    console.log(
      ratio('(a) DynamoDB requests per 1000 records (worst)', maxRequests, '<= 12', maxRequests <= 12),
    );
    console.log(info('(a) endpoint requests per 1000 records', a0.endpointRequestsPer1000 ?? Number.NaN));
    const pagers = await pagerProfileFigures();
    const naivePostgres = pagers.find(
      (f) => f.pager.startsWith('(n)') && f.backend.startsWith('postgres (both'),
    );
    console.log(
      info(
        '(n) naive pager endpoint requests per 1000 records',
        naivePostgres?.requestsPer1000 ?? Number.NaN,
      ),
    );
    printStandIn(standIn);
    console.log(
      info('(a) sync CPU ms per 1000 records, DynamoDB Local as is', a0.cpuMsPer1000 ?? Number.NaN),
    );
    const memory = (aLarge.peakRssMb ?? 0) / (a0.peakRssMb ?? 1);
    console.log(ratio(`(a) peak RSS ${LARGE_RECORDS} / ${RECORDS} records`, memory, '<= 1.2', memory <= 1.2));
    printPagerFigures(pagers);
    printUnits(units);
    await crossCheckPutUnits(dynamoDb.endpoint, rows);
  } finally {
    await dynamoDb.stop();
  }
}

await main();
