// One audit in a fresh process, so its peak memory is its own: reads its setup from BENCH_AUDIT_INPUT,
// audits the window of a job whose records table the parent filled, prints one JSON line.
import { performance } from 'node:perf_hooks';
import { auditWindow } from '../../functions/reconcile/audit.js';
import { systemClock } from '../../functions/shared/clock.js';
import { computedSource, windowOf } from './audit-source.js';
import { standInForAuditedTable } from './audit-table-stand-in.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';

export interface AuditChildInput {
  readonly dynamoDbEndpoint: string;
  readonly recordsTable: string;
  readonly job: string;
  readonly entries: number;
  readonly pageSize: number;
  /** Answer the records table from audit-table-stand-in.ts instead of DynamoDB Local. */
  readonly tableStandIn?: boolean;
}

export interface AuditChildOutput {
  readonly entries: number;
  readonly compared: number;
  readonly tableRecords: number;
  readonly missing: number;
  readonly stale: number;
  readonly extra: number;
  /** Every request the process sent to DynamoDB (all of them reads of the records table). */
  readonly dynamoDbRequests: number;
  readonly readRequests: number;
  readonly ms: number;
  readonly peakRssMb: number;
}

const input = JSON.parse(process.env.BENCH_AUDIT_INPUT ?? '{}') as AuditChildInput;
const dynamoDb = instrumentedDynamoDb(input.dynamoDbEndpoint);
if (input.tableStandIn) standInForAuditedTable(dynamoDb.client, input.recordsTable, input.entries);
const started = performance.now();
const report = await auditWindow(
  {
    documentClient: dynamoDb.documentClient,
    recordsTable: input.recordsTable,
    pageSize: input.pageSize,
    openSource: async () => computedSource(input.entries),
    clock: systemClock,
  },
  { job: input.job, ...windowOf(input.entries), deadlineMs: Date.now() + 3_600_000 },
);
const { totals } = report;
const output: AuditChildOutput = {
  entries: input.entries,
  compared: totals.compared,
  tableRecords: totals.tableRecords,
  missing: totals.missing,
  stale: totals.stale,
  extra: totals.extra,
  dynamoDbRequests: dynamoDb.requests(),
  readRequests: totals.readRequests,
  ms: performance.now() - started,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
dynamoDb.client.destroy();
