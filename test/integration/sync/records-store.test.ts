import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordKeys } from '../../../functions/shared/tables.js';
import {
  RecordRejectedError,
  RecordsStore,
  type SourceRecord,
} from '../../../functions/sync/records-store.js';
import { localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

/** Read and stored at `ms`. */
const at = (ms: number) => ({ readAtMs: ms, syncedAtMs: ms });

const record = (key: string, sourceTimestampMs: number, value = key): SourceRecord => ({
  key,
  sourceTimestampMs,
  data: { value },
});

describe('records store', () => {
  let db: LocalDynamoDb;
  let store: RecordsStore;
  beforeAll(async () => {
    db = await freshTables('records');
    store = new RecordsStore({ documentClient: db.documentClient, tableName: db.tables.recordsTable });
  });

  async function storedItems(job: string) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.documentClient.send(
        new QueryCommand({
          TableName: db.tables.recordsTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': recordKeys.jobPartition(job) },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  it('writes every record of a batch larger than one transaction, once', async () => {
    const records = Array.from({ length: 730 }, (_, i) => record(`r${i}`, 1000 + i));

    const result = await store.write(records, { job: 'bulk', runId: 'run-1', fence: 1 }, at(5));

    expect(result).toMatchObject({ written: 730, alreadyStored: 0 });
    expect(result.requests).toBe(8);
    const items = await storedItems('bulk');
    expect(items).toHaveLength(730);
    expect(items.find((i) => i.sk === 'r7')).toMatchObject({
      sourceTimestamp: 1007,
      runId: 'run-1',
      fence: 1,
    });
  });

  it('counts a re-read of stored records as already stored and changes nothing', async () => {
    const job = 'reread';
    await store.write([record('a', 10), record('b', 20)], { job, runId: 'run-1', fence: 1 }, at(5));

    const result = await store.write(
      [record('a', 10), record('b', 20), record('c', 30)],
      { job, runId: 'run-2', fence: 2 },
      at(6),
    );

    expect(result).toMatchObject({ written: 1, alreadyStored: 2 });
    const items = await storedItems(job);
    expect(items.map((i) => [i.sk, i.runId])).toEqual([
      ['a', 'run-1'],
      ['b', 'run-1'],
      ['c', 'run-2'],
    ]);
  });

  it('never lets a run with a lower fence replace a record, even with a newer timestamp', async () => {
    const job = 'stale-writer';
    await store.write([record('a', 10, 'from fence 5')], { job, runId: 'current', fence: 5 }, at(5));

    const result = await store.write(
      [record('a', 99, 'from fence 4')],
      { job, runId: 'stale', fence: 4 },
      at(6),
    );

    expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
    const [item] = await storedItems(job);
    expect(item).toMatchObject({ sourceTimestamp: 10, runId: 'current', data: { value: 'from fence 5' } });
  });

  it('never replaces a record with an older version of it', async () => {
    const job = 'older-version';
    await store.write([record('a', 50, 'new')], { job, runId: 'run-1', fence: 1 }, at(5));

    await store.write([record('a', 40, 'old')], { job, runId: 'run-2', fence: 2 }, at(6));

    const [item] = await storedItems(job);
    expect(item).toMatchObject({ sourceTimestamp: 50, data: { value: 'new' } });
  });

  it('replaces a record with a newer version written under an equal or higher fence', async () => {
    const job = 'newer-version';
    await store.write([record('a', 50, 'v1')], { job, runId: 'run-1', fence: 1 }, at(5));

    const result = await store.write([record('a', 60, 'v2')], { job, runId: 'run-2', fence: 2 }, at(6));

    expect(result.written).toBe(1);
    const [item] = await storedItems(job);
    expect(item).toMatchObject({ sourceTimestamp: 60, data: { value: 'v2' } });
  });

  describe('an entry the source replaced in place (same timestamp, new content)', () => {
    it('replaces the stored record when the new content was read later', async () => {
      const job = 'upsert-later';
      await store.write([record('a', 50, 'first')], { job, runId: 'run-1', fence: 1 }, at(100));

      const result = await store.write(
        [record('a', 50, 'replaced')],
        { job, runId: 'run-2', fence: 2 },
        at(200),
      );

      expect(result).toMatchObject({ written: 1, alreadyStored: 0 });
      const [item] = await storedItems(job);
      expect(item).toMatchObject({
        sourceTimestamp: 50,
        data: { value: 'replaced' },
        readAt: 200,
        runId: 'run-2',
      });
    });

    it('never goes back to content that was read earlier than the stored one', async () => {
      const job = 'upsert-earlier-read';
      await store.write([record('a', 50, 'read at 200')], { job, runId: 'zombie', fence: 1 }, at(200));

      // A later run that read before the upsert landed: same timestamp, older content.
      const result = await store.write(
        [record('a', 50, 'read at 150')],
        { job, runId: 'later', fence: 2 },
        at(150),
      );

      expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
      const [item] = await storedItems(job);
      expect(item).toMatchObject({ data: { value: 'read at 200' } });
    });

    it('never takes new content from a lower fence, however late it was read', async () => {
      const job = 'upsert-lower-fence';
      await store.write([record('a', 50, 'fence 5')], { job, runId: 'current', fence: 5 }, at(100));

      const result = await store.write(
        [record('a', 50, 'fence 4')],
        { job, runId: 'stale', fence: 4 },
        at(900),
      );

      expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
      const [item] = await storedItems(job);
      expect(item).toMatchObject({ data: { value: 'fence 5' } });
    });

    it('writes nothing for the same content read again later', async () => {
      const job = 'same-content';
      await store.write([record('a', 50, 'same')], { job, runId: 'run-1', fence: 1 }, at(100));

      const result = await store.write([record('a', 50, 'same')], { job, runId: 'run-2', fence: 2 }, at(200));

      expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
      const [item] = await storedItems(job);
      expect(item).toMatchObject({ runId: 'run-1', readAt: 100 });
    });

    it('tells content apart whatever the order of its fields', async () => {
      const job = 'field-order';
      const first: SourceRecord = { key: 'a', sourceTimestampMs: 50, data: { x: 1, y: { p: 1, q: 2 } } };
      const reordered: SourceRecord = { key: 'a', sourceTimestampMs: 50, data: { y: { q: 2, p: 1 }, x: 1 } };
      await store.write([first], { job, runId: 'run-1', fence: 1 }, at(100));

      const result = await store.write([reordered], { job, runId: 'run-2', fence: 2 }, at(200));

      expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
    });
  });

  it('keeps the newest version when one batch holds a key twice', async () => {
    const job = 'duplicate-in-batch';

    await store.write(
      [record('a', 70, 'newest'), record('a', 10, 'oldest')],
      { job, runId: 'run-1', fence: 1 },
      at(5),
    );

    const items = await storedItems(job);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ sourceTimestamp: 70, data: { value: 'newest' } });
  });

  describe('transactions in flight', () => {
    /** A store on its own client that counts the TransactWriteItems calls in flight. */
    function countingStore(options: { concurrency: number; transactionSize: number }) {
      const client = new DynamoDBClient(localDynamoDbClientConfig(db.endpoint));
      const counts = { inFlight: 0, most: 0, requests: 0, failed: 0, startedAfterAFailure: 0 };
      client.middlewareStack.add(
        (next) => async (args) => {
          counts.requests++;
          if (counts.failed > 0) counts.startedAfterAFailure++;
          counts.inFlight++;
          counts.most = Math.max(counts.most, counts.inFlight);
          try {
            return await next(args);
          } catch (error) {
            counts.failed++;
            throw error;
          } finally {
            counts.inFlight--;
          }
        },
        { step: 'initialize', name: 'countInFlight' },
      );
      const documentClient = DynamoDBDocumentClient.from(client);
      const counted = new RecordsStore({ documentClient, tableName: db.tables.recordsTable, ...options });
      return { store: counted, counts };
    }

    it('shares its limit between write calls that overlap (two pages stored at once)', async () => {
      const { store: limited, counts } = countingStore({ concurrency: 3, transactionSize: 10 });
      const writer = { job: 'shared-limit', runId: 'run-1', fence: 1 };
      const page = (from: number) => Array.from({ length: 60 }, (_, i) => record(`r${from + i}`, from + i));

      const [first, second] = await Promise.all([
        limited.write(page(0), writer, at(5)),
        limited.write(page(60), writer, at(5)),
      ]);

      expect(first.written + second.written).toBe(120);
      expect(counts.requests).toBe(12);
      expect(counts.most).toBe(3);
      expect(await storedItems('shared-limit')).toHaveLength(120);
    });

    it('writes a transaction over DynamoDB’s 4 MB limit in halves instead of failing', async () => {
      const { store: limited, counts } = countingStore({ concurrency: 1, transactionSize: 20 });
      const large = Array.from({ length: 20 }, (_, i) => record(`big${i}`, i, 'x'.repeat(300_000)));

      const result = await limited.write(large, { job: 'halves', runId: 'run-1', fence: 1 }, at(5));

      expect(result.written).toBe(20);
      expect(counts.requests).toBe(3); // refused whole (6 MB), then two halves of 3 MB
      expect(await storedItems('halves')).toHaveLength(20);
    });

    it('fails at once on a record DynamoDB rejects, naming it, starts no more of that write and throws once none is in flight', async () => {
      const { store: limited, counts } = countingStore({ concurrency: 2, transactionSize: 10 });
      const records = Array.from({ length: 100 }, (_, i) => record(`k${String(i).padStart(3, '0')}`, i));
      // A sort key over DynamoDB's 1,024-byte limit: the third transaction is rejected outright.
      records[25] = record(`k025-${'x'.repeat(1_100)}`, 25);

      const error = await limited
        .write(records, { job: 'fails', runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(RecordRejectedError);
      expect((error as Error).message).toMatch(/^DynamoDB rejected record "k025-x+" for .+: ValidationError/);
      expect(counts.inFlight).toBe(0);
      expect(counts.failed).toBe(1);
      expect(counts.startedAfterAFailure).toBe(0); // only those already in flight ran on
      expect(counts.requests).toBeLessThan(10);
      const stored = (await storedItems('fails')).map((item) => String(item.sk));
      // The two transactions before the refused one were in flight first and are stored whole.
      for (let i = 0; i < 20; i++) expect(stored).toContain(`k${String(i).padStart(3, '0')}`);
      expect(stored.some((key) => key.startsWith('k025'))).toBe(false);
    });
  });
});
