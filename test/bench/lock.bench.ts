// `npm run bench:lock`: the lease lock's figures against a private DynamoDB Local, beside a naive
// read-then-write lock. Requests are counted by client middleware (every HTTP attempt, retries
// included); critical sections are the [start, end] intervals winners record while holding.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createLeaseLock } from '../../functions/lock/lease-lock.js';
import { systemClock } from '../../functions/shared/clock.js';
import type { LogSink, MetricsSink } from '../../functions/shared/observability.js';
import { controlKeys, type TableNames } from '../../functions/shared/tables.js';
import {
  createTables,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb-local.js';

const UNCONTENDED_ITERATIONS = 200;
/** DynamoDB Local is a JVM: warm both locks up before measuring either, or the first one measured pays for it. */
const WARM_UP_ITERATIONS = 200;
const CONTENDERS = 50;
const ROUNDS = 10;
const HOLD_MS = 25;
const REMAINING_TIME_MS = 60_000;

/** Both locks behind one shape: try once; a win comes back as the function that releases it. */
interface BenchLock {
  readonly name: string;
  tryAcquire(job: string, contender: string): Promise<(() => Promise<void>) | undefined>;
}

interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

interface Figures {
  requestsPerAcquireRelease: number;
  medianAcquireMs: number;
  requestsPerContender: number;
  meanWinnersPerRound: number;
  overlappingSections: number;
}

const silentLogger: LogSink = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function leaseLock(
  documentClient: DynamoDBDocumentClient,
  tables: TableNames,
  metrics: MetricsSink,
): BenchLock {
  const lock = createLeaseLock({
    documentClient,
    tableName: tables.controlTable,
    clock: systemClock,
    metrics,
    logger: silentLogger,
  });
  return {
    name: 'lease lock',
    async tryAcquire(job, contender) {
      const result = await lock.acquire(job, { requestId: contender, remainingTimeMs: REMAINING_TIME_MS });
      if (result.status !== 'acquired') return undefined;
      return async () => {
        await lock.release(result.lease);
      };
    },
  };
}

/** The baseline: read the lock, and if it looks free, write it. Nothing stops two readers both seeing it free. */
function naiveLock(documentClient: DynamoDBDocumentClient, tables: TableNames): BenchLock {
  return {
    name: 'naive read-then-write',
    async tryAcquire(job, contender) {
      const key = controlKeys.lock(job);
      const read = await documentClient.send(
        new GetCommand({ TableName: tables.controlTable, Key: key, ConsistentRead: true }),
      );
      const leaseUntilMs = Number(read.Item?.leaseUntil ?? 0);
      if (leaseUntilMs >= Date.now()) return undefined;
      await documentClient.send(
        new PutCommand({
          TableName: tables.controlTable,
          Item: { ...key, owner: contender, leaseUntil: Date.now() + REMAINING_TIME_MS },
        }),
      );
      return async () => {
        await documentClient.send(
          new PutCommand({ TableName: tables.controlTable, Item: { ...key, leaseUntil: 0 } }),
        );
      };
    },
  };
}

async function warmUp(lock: BenchLock, job: string): Promise<void> {
  for (let i = 0; i < WARM_UP_ITERATIONS; i++) await (await lock.tryAcquire(job, `warm-${i}`))?.();
}

async function uncontended(lock: BenchLock, job: string, requests: () => number) {
  const acquireMs: number[] = [];
  const before = requests();
  for (let i = 0; i < UNCONTENDED_ITERATIONS; i++) {
    const startMs = performance.now();
    const release = await lock.tryAcquire(job, `solo-${i}`);
    acquireMs.push(performance.now() - startMs);
    if (!release) throw new Error(`${lock.name}: an uncontended acquire failed`);
    await release();
  }
  return {
    requestsPerAcquireRelease: (requests() - before) / UNCONTENDED_ITERATIONS,
    medianAcquireMs: median(acquireMs),
  };
}

async function contended(lock: BenchLock, job: string, requests: () => number) {
  const sections: Interval[] = [];
  let acquireRequests = 0;
  let winners = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let open: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      open = resolve;
    });
    let acquiresDone: () => void = () => {};
    const allAcquired = new Promise<void>((resolve) => {
      acquiresDone = resolve;
    });
    const acquires = Array.from({ length: CONTENDERS }, (_, contender) =>
      barrier.then(() => lock.tryAcquire(job, `round${round}-run${contender}`)),
    );
    // Winners hold while the others are still trying, and release only after every acquire has
    // answered, so the request count below is acquires alone.
    const runs = acquires.map(async (acquire) => {
      const release = await acquire;
      if (!release) return;
      const startMs = performance.now();
      await sleep(HOLD_MS);
      sections.push({ startMs, endMs: performance.now() });
      await allAcquired;
      await release();
    });
    const before = requests();
    open();
    const results = await Promise.all(acquires);
    acquireRequests += requests() - before;
    winners += results.filter(Boolean).length;
    acquiresDone();
    await Promise.all(runs);
  }
  return {
    requestsPerContender: acquireRequests / (ROUNDS * CONTENDERS),
    meanWinnersPerRound: winners / ROUNDS,
    overlappingSections: countOverlapping(sections),
  };
}

/** Critical sections that intersect at least one other: each is a moment two runs both held the lock. */
function countOverlapping(sections: Interval[]): number {
  return sections.filter((a, i) =>
    sections.some((b, j) => i !== j && a.startMs < b.endMs && b.startMs < a.endMs),
  ).length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function printTable(lease: Figures, naive: Figures, skipsReported: number): void {
  const rows: [string, string, string, string][] = [
    [
      'uncontended: requests per acquire+release',
      'exactly 2',
      lease.requestsPerAcquireRelease.toFixed(2),
      naive.requestsPerAcquireRelease.toFixed(2),
    ],
    [
      'uncontended: median acquire latency (ms)',
      '-',
      lease.medianAcquireMs.toFixed(2),
      naive.medianAcquireMs.toFixed(2),
    ],
    [
      `${CONTENDERS} contenders: requests per contender`,
      '1',
      lease.requestsPerContender.toFixed(2),
      naive.requestsPerContender.toFixed(2),
    ],
    [
      `${CONTENDERS} contenders: winners per round (mean)`,
      '1',
      lease.meanWinnersPerRound.toFixed(2),
      naive.meanWinnersPerRound.toFixed(2),
    ],
    [
      `${CONTENDERS} contenders: overlapping critical sections`,
      '0',
      String(lease.overlappingSections),
      String(naive.overlappingSections),
    ],
  ];
  const header: [string, string, string, string] = [
    'figure',
    'target',
    'lease lock',
    'naive read-then-write',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `\n${UNCONTENDED_ITERATIONS} uncontended acquire+release cycles; ${ROUNDS} rounds of ${CONTENDERS} contenders ` +
      `released together, each winner holding ${HOLD_MS} ms. RunSkippedLockHeld published by the lease lock: ${skipsReported}.`,
  );
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamoDb = await startDynamoDbLocal();
  const client = new DynamoDBClient(localDynamoDbClientConfig(dynamoDb.endpoint));
  try {
    let requestCount = 0;
    // In the deserialize step, so it runs inside the SDK's retry loop: one count per HTTP attempt.
    client.middlewareStack.add(
      (next) => async (args) => {
        requestCount += 1;
        return next(args);
      },
      { step: 'deserialize', name: 'countRequests' },
    );
    const requests = () => requestCount;
    const tables: TableNames = { controlTable: 'bench-control', recordsTable: 'bench-records' };
    await createTables(client, tables);
    const documentClient = DynamoDBDocumentClient.from(client);

    let skipsReported = 0;
    const metrics: MetricsSink = {
      addMetric: (name) => {
        if (name === 'RunSkippedLockHeld') skipsReported += 1;
      },
    };
    const locks = [leaseLock(documentClient, tables, metrics), naiveLock(documentClient, tables)];
    const jobOf = (lock: BenchLock) => lock.name.replaceAll(/\W+/g, '-');
    console.error('warming up DynamoDB Local ...');
    for (const lock of locks) await warmUp(lock, jobOf(lock));
    const figures: Figures[] = [];
    for (const lock of locks) {
      const job = jobOf(lock);
      console.error(`measuring ${lock.name} ...`);
      figures.push({
        ...(await uncontended(lock, job, requests)),
        ...(await contended(lock, job, requests)),
      });
    }
    const [lease, naive] = figures;
    if (!lease || !naive) throw new Error('missing figures');
    console.log(`\nLock figures against DynamoDB Local (${dynamoDb.endpoint})\n`);
    printTable(lease, naive, skipsReported);
  } finally {
    client.destroy();
    await dynamoDb.stop();
  }
}

await main();
