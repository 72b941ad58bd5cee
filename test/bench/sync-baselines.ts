// The writers bench:sync measures syncwarden against, each on records already in hand (no fetch): (c) the
// write floor, BatchWriteItem with no conditions; (d) syncwarden's own RecordsStore, the ceiling for the
// conditional writes the no-regression guarantee needs; (t) the store's previous design, conditional
// puts in TransactWriteItems of 100. Each reports its throughput and, from capacity-units.ts, what AWS
// would bill it per new record and per record re-read (the same records written again, as a run's
// overlap window re-reads them).
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../functions/shared/concurrency.js';
import { recordKeys, type TableNames } from '../../functions/shared/tables.js';
import { RecordsStore } from '../../functions/sync/records-store.js';
import { toSourceRecord } from '../../functions/sync/source-rows.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import { createTables } from '../../infra/local/dynamodb-local.js';
import { type CapacityTotals, trackCapacity } from './capacity-units.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';

/** RecordsStore's default requests in flight; the other writers use the same. */
export const WRITE_CONCURRENCY = 16;

export interface Figure {
  readonly method: string;
  readonly setting: string;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly requestsPer1000: number;
  readonly endpointRequestsPer1000?: number;
  readonly peakRssMb?: number;
  /** The sync process's CPU time per 1,000 records (syncwarden's runs only). */
  readonly cpuMsPer1000?: number;
}

/** Units AWS would bill per record: new (first write) and re-read (written again unchanged). */
export interface UnitFigure {
  readonly method: string;
  readonly perNewRecord: CapacityTotals;
  readonly perRereadRecord: CapacityTotals;
}

let tableCount = 0;
export async function newTables(endpoint: string): Promise<TableNames> {
  const tables = {
    controlTable: `bench-${++tableCount}-control`,
    recordsTable: `bench-${tableCount}-records`,
  };
  await createTables(instrumentedDynamoDb(endpoint).client, tables);
  return tables;
}

/** Keyed as the sync keys them (SYNC_DEFAULTS: timestamp and source). */
export const recordOf = (row: Record<string, unknown>, index: number) =>
  toSourceRecord(row, index, SYNC_DEFAULTS);

export function toItem(row: Record<string, unknown>, index: number) {
  return {
    ...recordKeys.record('bench', recordOf(row, index).key),
    sourceTimestamp: row.timestamp,
    data: row,
    runId: 'baseline',
    fence: 1,
    syncedAt: Date.now(),
  };
}

export const setting = (addedLatencyMs: number) =>
  addedLatencyMs ? `+${addedLatencyMs} ms/request` : 'as is';

export function figure(
  method: string,
  addedLatencyMs: number,
  records: number,
  started: number,
  requests: number,
): Figure {
  const seconds = (performance.now() - started) / 1000;
  return {
    method,
    setting: setting(addedLatencyMs),
    records,
    recordsPerSecond: records / seconds,
    requestsPer1000: (requests / records) * 1000,
  };
}

type Rows = readonly Record<string, unknown>[];
/** Writes the rows once; `pass` 2 is the re-read of rows the table holds already. */
type Writer = (rows: Rows, pass: 1 | 2) => Promise<void>;

interface Measured {
  readonly figure: Figure;
  readonly units: UnitFigure;
}

/** Runs `makeWriter`'s writer twice over the rows: the first pass times it, both are billed. */
async function measure(
  method: string,
  rows: Rows,
  endpoint: string,
  addedLatencyMs: number,
  makeWriter: (db: ReturnType<typeof instrumentedDynamoDb>, tables: TableNames) => Writer,
): Promise<Measured> {
  const tables = await newTables(endpoint);
  const db = instrumentedDynamoDb(endpoint, addedLatencyMs);
  const capacity = trackCapacity(db.client, tables.recordsTable);
  const write = makeWriter(db, tables);
  const started = performance.now();
  await write(rows, 1);
  const timed = figure(method, addedLatencyMs, rows.length, started, db.requests());
  const first = capacity.totals();
  await write(rows, 2);
  const both = capacity.totals();
  const per = (units: CapacityTotals): CapacityTotals => ({
    writeUnits: units.writeUnits / rows.length,
    readUnits: units.readUnits / rows.length,
  });
  return {
    figure: timed,
    units: {
      method,
      perNewRecord: per(first),
      perRereadRecord: per({
        writeUnits: both.writeUnits - first.writeUnits,
        readUnits: both.readUnits - first.readUnits,
      }),
    },
  };
}

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** (c): BatchWriteItem, 25 a request: no conditions, no watermark. */
export const writeFloor = (rows: Rows, endpoint: string, addedLatencyMs: number) =>
  measure('(c) write floor: BatchWriteItem', rows, endpoint, addedLatencyMs, (db, tables) => async (all) => {
    await mapWithConcurrency(chunk(all.map(toItem), 25), WRITE_CONCURRENCY, async (batch) => {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await db.documentClient.send(
          new BatchWriteCommand({ RequestItems: { [tables.recordsTable]: pending } }),
        );
        pending = (result.UnprocessedItems?.[tables.recordsTable] ?? []) as typeof pending;
      }
    });
  });

/** (d): syncwarden's RecordsStore; the second pass re-reads as a run's overlap window does. */
export const conditionalCeiling = (rows: Rows, endpoint: string, addedLatencyMs: number) =>
  measure('(d) ceiling: RecordsStore alone', rows, endpoint, addedLatencyMs, (db, tables) => {
    const store = new RecordsStore({ documentClient: db.documentClient, tableName: tables.recordsTable });
    const records = rows.map(recordOf);
    const storedThroughMs = Math.max(...records.map((record) => record.sourceTimestampMs));
    return async (_, pass) => {
      const now = Date.now();
      const result = await store.write(
        records,
        { job: 'bench', runId: `ceiling-${pass}`, fence: pass },
        { readAtMs: now, syncedAtMs: now },
        pass === 2 ? { storedThroughMs } : {},
      );
      const expected = pass === 1 ? result.written : result.alreadyStored;
      if (expected !== rows.length)
        throw new Error(`pass ${pass} of the ceiling settled ${expected} of ${rows.length} records`);
    };
  });

/**
 * (t): the store before issue 14: the same conditional puts in TransactWriteItems of 100, 8 in flight.
 * On a re-read every item fails its condition and the transaction is cancelled whole (the old store then
 * dropped them all, as already stored).
 */
export const transactionsBefore = (rows: Rows, endpoint: string, addedLatencyMs: number) =>
  measure(
    '(t) before: TransactWriteItems of 100',
    rows,
    endpoint,
    addedLatencyMs,
    (db, tables) => async (all) => {
      await mapWithConcurrency(chunk(all.map(toItem), 100), 8, async (batch) => {
        await db.documentClient
          .send(
            new TransactWriteCommand({
              TransactItems: batch.map((Item) => ({
                Put: {
                  TableName: tables.recordsTable,
                  Item,
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            }),
          )
          .catch((error: Error) => {
            if (error.name !== 'TransactionCanceledException') throw error;
          });
      });
    },
  );
