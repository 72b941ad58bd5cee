// The audit's view of a job's stored records in a window of source time, against DynamoDB Local: read
// from the table by key range for keys that start with their source time, from the sparse index for the
// rest, each record exactly once and in source-time order, however the keys look.
import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IndexedRecord, StoredWindow } from '../../../functions/reconcile/stored-window.js';
import { RECORDS_BY_SOURCE_TIME, recordKeys } from '../../../functions/shared/tables.js';
import { recordItem } from '../../../functions/sync/record-item.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

const MS = 1_700_000_000_000;
const JOB = 'window-job';
const writer = { job: JOB, runId: 'run-1', fence: 1 };

/** Keys of every shape, each with the source time its record carries. */
const RECORDS: readonly (readonly [key: string, sourceTimestampMs: number])[] = [
  [`${MS + 10}#Sensor-1`, MS + 10], // the default layout: from the table
  [`${MS + 10}#Sensor-2`, MS + 10],
  [`${MS + 20}`, MS + 20], // the time alone
  [`Sensor-1#${MS + 15}`, MS + 15], // another layout: from the index
  [`${MS + 30}#Sensor-1`, MS + 5], // starts with another time, inside the window: indexed at its own time
  [`${MS + 12}1#x`, MS + 12], // the time as a longer number, inside the range read from the table
  [`${MS + 12}x`, MS + 12], // the time inside a longer string part
  ['999999999999#old', 999_999_999_999], // 12 digits: indexed (and outside the window)
  [`${MS + 40}#Sensor-1`, MS + 40], // after the window
  [`Sensor-9#${MS - 1}`, MS - 1], // before the window
  [`${MS - 1}#Sensor-1`, MS - 1],
];
const WINDOW = { startMs: MS, endMs: MS + 30 };

describe('StoredWindow', () => {
  let db: LocalDynamoDb;

  beforeAll(async () => {
    db = await freshTables('stored-window');
    for (const [key, sourceTimestampMs] of RECORDS) {
      const item = recordItem({ key, sourceTimestampMs, data: { key } }, writer, {
        readAtMs: 1,
        syncedAtMs: 1,
      });
      await db.documentClient.send(new PutCommand({ TableName: db.tables.recordsTable, Item: item }));
    }
  });
  afterAll(() => db?.client.destroy());

  const windowOf = (startMs: number, endMs: number, reads = { readRequests: 0 }) =>
    new StoredWindow(db.documentClient, db.tables.recordsTable, JOB, startMs, endMs, reads);
  const expected = (startMs: number, endMs: number) =>
    RECORDS.filter(([, ms]) => ms >= startMs && ms <= endMs)
      .map(([key, ms]) => ({ key, ms }))
      .sort((a, b) => a.ms - b.ms);
  const shown = (records: readonly IndexedRecord[]) =>
    records.map((r) => ({ key: r.key, ms: r.sourceTimestampMs }));

  it('returns every record of the window once, in source-time order, whichever place holds it', async () => {
    const reads = { readRequests: 0 };
    const taken = await windowOf(WINDOW.startMs, WINDOW.endMs, reads).takeThrough(WINDOW.endMs);

    expect(shown(taken)).toEqual(expect.arrayContaining(expected(WINDOW.startMs, WINDOW.endMs)));
    expect(taken).toHaveLength(expected(WINDOW.startMs, WINDOW.endMs).length);
    expect(taken.map((r) => r.sourceTimestampMs)).toEqual(
      expected(WINDOW.startMs, WINDOW.endMs).map((r) => r.ms),
    );
    expect(taken.every((r) => /^[\w-]{22}$/.test(r.contentHash))).toBe(true);
    expect(reads.readRequests).toBe(2); // one answer from the table, one from the index
  });

  it('hands the window out in steps, each record in the step of its time', async () => {
    const window = windowOf(WINDOW.startMs, WINDOW.endMs);
    const steps = [MS + 9, MS + 12, MS + 15, MS + 30];
    const taken = [];
    for (const throughMs of steps) taken.push(shown(await window.takeThrough(throughMs)));

    expect(taken.map((step) => step.map((r) => r.ms))).toEqual([
      [MS + 5],
      [MS + 10, MS + 10, MS + 12, MS + 12],
      [MS + 15],
      [MS + 20],
    ]);
    expect(await window.takeThrough(MS + 40)).toEqual([]);
  });

  it('reads only the index for a window before 2001, where no key sorts by time', async () => {
    const reads = { readRequests: 0 };
    const taken = await windowOf(0, 999_999_999_999, reads).takeThrough(999_999_999_999);

    expect(shown(taken)).toEqual([{ key: '999999999999#old', ms: 999_999_999_999 }]);
    expect(reads.readRequests).toBe(1);
  });

  it('holds in the index exactly the records whose key does not start with their time', async () => {
    const indexed = await db.documentClient.send(
      new QueryCommand({
        TableName: db.tables.recordsTable,
        IndexName: RECORDS_BY_SOURCE_TIME.indexName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordKeys.jobPartition(JOB) },
      }),
    );

    expect(new Set(indexed.Items?.map((item) => item.sk))).toEqual(
      new Set([
        `Sensor-1#${MS + 15}`,
        `${MS + 30}#Sensor-1`,
        `${MS + 12}1#x`,
        `${MS + 12}x`,
        '999999999999#old',
        `Sensor-9#${MS - 1}`,
      ]),
    );
  });
});

describe('StoredWindow over more than one answer', () => {
  let db: LocalDynamoDb;
  const COUNT = 1_800; // 1,200 of them in the table, about 1.3 MB: DynamoDB answers a Query 1 MB at a time

  beforeAll(async () => {
    db = await freshTables('stored-window-pages');
    const padding = 'x'.repeat(1_000);
    for (let start = 0; start < COUNT; start += 25) {
      const items = [];
      for (let i = start; i < Math.min(COUNT, start + 25); i++) {
        // Every third record has another layout: the window merges the index's answer in.
        const key = i % 3 === 0 ? `Sensor-${i}#${MS + i}` : `${MS + i}#Sensor-${i}`;
        items.push({
          PutRequest: {
            Item: recordItem({ key, sourceTimestampMs: MS + i, data: { padding } }, writer, {
              readAtMs: 1,
              syncedAtMs: 1,
            }),
          },
        });
      }
      await db.documentClient.send(
        new BatchWriteCommand({ RequestItems: { [db.tables.recordsTable]: items } }),
      );
    }
  });
  afterAll(() => db?.client.destroy());

  it('follows each Query from answer to answer, and loses nothing at their seams', async () => {
    const reads = { readRequests: 0 };
    const window = new StoredWindow(db.documentClient, db.tables.recordsTable, JOB, MS, MS + COUNT, reads);
    const taken = [...(await window.takeThrough(MS + 600)), ...(await window.takeThrough(MS + COUNT))];

    expect(taken.map((r) => r.sourceTimestampMs)).toEqual(Array.from({ length: COUNT }, (_, i) => MS + i));
    expect(reads.readRequests).toBe(3); // two answers from the table, one from the index
  });
});
