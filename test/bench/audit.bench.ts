// npm run bench:audit: the audit's two targets from issue 16, measured in one run against DynamoDB Local:
//   (a) peak memory of a 1,000,000-entry audit over a 100,000-entry one (target <= 1.2x): memory flat
//       in the window's size, since the source and the table are compared page by page;
//   (b) DynamoDB read requests per 1,000 records compared (target <= 15): the table read by key range
//       a 1 MB answer at a time (the bench's keys start with their time, so the sparse index holds none:
//       one empty answer), and consistent BatchGetItems only for suspects.
// Each audit runs in a child process of its own (audit-child.ts), so its peak RSS is its own. The source
// is computed (audit-source.ts): the simulator would hold a million entries and serve them too slowly.
// The table is filled here, directly (the sync's write path has its own bench), with the items the sync
// would store (recordItem), but one record in 1,000 left out and one in 1,000 stored with other content,
// so the suspects' reads are counted too.
// BENCH_AUDIT_SIZES=10000,100000 runs other sizes (the first is also audited on DynamoDB Local).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createTables, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import type { AuditChildInput, AuditChildOutput } from './audit-child.js';
import { storedItemOf } from './audit-source.js';
import { isMissing, isStale } from './audit-table-stand-in.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [SMALL = 100_000, LARGE = 1_000_000] = (process.env.BENCH_AUDIT_SIZES ?? '100000,1000000')
  .split(',')
  .map(Number);
const PAGE_SIZE = 500;
const TABLES = { controlTable: 'bench-audit-control', recordsTable: 'bench-audit-records' };

interface Measured extends AuditChildOutput {
  readonly table: string;
}

const dynamoDb = await startDynamoDbLocal();
const loader = instrumentedDynamoDb(dynamoDb.endpoint);
try {
  await createTables(loader.client, TABLES);
  const job = `bench-${SMALL}`;
  const loadStarted = Date.now();
  await fill(job, SMALL);
  console.log(
    `filled ${SMALL.toLocaleString('en-US')} records in DynamoDB Local in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`,
  );
  const input = {
    dynamoDbEndpoint: dynamoDb.endpoint,
    recordsTable: TABLES.recordsTable,
    pageSize: PAGE_SIZE,
  };
  const measured: Measured[] = [];
  for (const [entries, tableStandIn] of [
    [SMALL, false],
    [SMALL, true],
    [LARGE, true],
  ] as const) {
    const result = await auditInChild({ ...input, job: `bench-${entries}`, entries, tableStandIn });
    const table = tableStandIn ? 'stand-in' : 'DynamoDB Local';
    console.log(
      `audited ${entries.toLocaleString('en-US')} entries (${table}) in ${(result.ms / 1000).toFixed(0)} s`,
    );
    measured.push({ ...result, table });
  }
  report(measured);
} finally {
  loader.client.destroy();
  await dynamoDb.stop();
}

/** The job's records as a sync would have left them, but for 1 in 1,000 missing and 1 in 1,000 stale. */
async function fill(job: string, entries: number): Promise<void> {
  const BATCH = 25;
  const IN_FLIGHT = 8;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += BATCH;
      if (start >= entries) return;
      const items = [];
      for (let i = start; i < Math.min(entries, start + BATCH); i++) {
        if (isMissing(i)) continue;
        items.push({ PutRequest: { Item: storedItemOf(job, i, isStale(i)) } });
      }
      let pending: typeof items = items;
      while (pending.length > 0) {
        const answer = await loader.documentClient.send(
          new BatchWriteCommand({ RequestItems: { [TABLES.recordsTable]: pending } }),
        );
        pending = (answer.UnprocessedItems?.[TABLES.recordsTable] ?? []) as typeof items;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function auditInChild(input: AuditChildInput): Promise<AuditChildOutput> {
  const child = spawn('npx', ['tsx', 'test/bench/audit-child.ts'], {
    env: { ...process.env, BENCH_AUDIT_INPUT: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  await once(child, 'exit');
  return JSON.parse(line) as AuditChildOutput;
}

function report(results: readonly Measured[]): void {
  const header = [
    'entries',
    'table',
    'compared',
    'in table',
    'missing',
    'stale',
    'extra',
    'DynamoDB reads',
    'reads/1000',
    's',
    'peak RSS MB',
  ];
  const rows = results.map((r) => [
    r.entries.toLocaleString('en-US'),
    r.table,
    r.compared.toLocaleString('en-US'),
    r.tableRecords.toLocaleString('en-US'),
    String(r.missing),
    String(r.stale),
    String(r.extra),
    String(r.dynamoDbRequests),
    ((r.dynamoDbRequests * 1000) / r.compared).toFixed(2),
    (r.ms / 1000).toFixed(1),
    r.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] as number)).join('  ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  const [real, small, large] = results as [Measured, Measured, Measured];
  const memory = large.peakRssMb / small.peakRssMb;
  const reads = Math.max(...results.map((r) => (r.dynamoDbRequests * 1000) / r.compared));
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `(a) peak RSS, ${large.entries.toLocaleString('en-US')} / ${small.entries.toLocaleString('en-US')} entries: ` +
      `${memory.toFixed(2)}x   target <= 1.2x   ${verdict(memory <= 1.2)}`,
  );
  console.log(
    `(b) DynamoDB read requests per 1,000 records compared (worst run): ${reads.toFixed(2)}   target <= 15   ${verdict(reads <= 15)}`,
  );
  const sameFindings = (['compared', 'tableRecords', 'missing', 'stale', 'extra'] as const).every(
    (field) => real[field] === small[field],
  );
  console.log(
    `    the stand-in ${sameFindings ? 'finds what DynamoDB Local finds' : 'DIFFERS from DynamoDB Local'} at ${real.entries.toLocaleString('en-US')} entries`,
  );
  const expected = (r: Measured) => Math.ceil((r.entries - 17) / 1000);
  if (
    results.some(
      (r) => r.missing !== expected(r) || r.stale !== Math.ceil((r.entries - 517) / 1000) || r.extra !== 0,
    )
  ) {
    console.log('WARNING: an audit did not find exactly the differences the table was filled with');
  }
  process.exitCode = memory <= 1.2 && reads <= 15 && sameFindings ? 0 : 1;
}
