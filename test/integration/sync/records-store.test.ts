import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordKeys } from '../../../functions/shared/tables.js';
import {
  RecordRejectedError,
  RecordsStore,
  type RecordsStoreOptions,
  type SourceRecord,
  type WriteExpectations,
} from '../../../functions/sync/records-store.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { at, countingStore as countingStoreOn, record } from './counting-store.js';

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

  // The replacement rule holds on both paths: written at once (an INSERT that finds the item, then the
  // conditional put DynamoDB checks), and read back first as the overlap window is (the store's own check).
  describe.each([
    ['insert', {}],
    ['read-back', { storedThroughMs: Number.MAX_SAFE_INTEGER }],
  ] as const)('written via %s', (path, expectation: WriteExpectations) => {
    const writeVia: typeof store.write = (records, writer, version) =>
      store.write(records, writer, version, expectation);

    it('counts a re-read of stored records as already stored and changes nothing', async () => {
      const job = `reread-${path}`;
      await writeVia([record('a', 10), record('b', 20)], { job, runId: 'run-1', fence: 1 }, at(5));

      const result = await writeVia(
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
      const job = `stale-writer-${path}`;
      await writeVia([record('a', 10, 'from fence 5')], { job, runId: 'current', fence: 5 }, at(5));

      const result = await writeVia(
        [record('a', 99, 'from fence 4')],
        { job, runId: 'stale', fence: 4 },
        at(6),
      );

      expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
      const [item] = await storedItems(job);
      expect(item).toMatchObject({ sourceTimestamp: 10, runId: 'current', data: { value: 'from fence 5' } });
    });

    it('never replaces a record with an older version of it', async () => {
      const job = `older-version-${path}`;
      await writeVia([record('a', 50, 'new')], { job, runId: 'run-1', fence: 1 }, at(5));

      await writeVia([record('a', 40, 'old')], { job, runId: 'run-2', fence: 2 }, at(6));

      const [item] = await storedItems(job);
      expect(item).toMatchObject({ sourceTimestamp: 50, data: { value: 'new' } });
    });

    it('replaces a record with a newer version written under an equal or higher fence', async () => {
      const job = `newer-version-${path}`;
      await writeVia([record('a', 50, 'v1')], { job, runId: 'run-1', fence: 1 }, at(5));

      const result = await writeVia([record('a', 60, 'v2')], { job, runId: 'run-2', fence: 2 }, at(6));

      expect(result.written).toBe(1);
      const [item] = await storedItems(job);
      expect(item).toMatchObject({ sourceTimestamp: 60, data: { value: 'v2' } });
    });

    describe('an entry the source replaced in place (same timestamp, new content)', () => {
      it('replaces the stored record when the new content was read later', async () => {
        const job = `upsert-later-${path}`;
        await writeVia([record('a', 50, 'first')], { job, runId: 'run-1', fence: 1 }, at(100));

        const result = await writeVia(
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
        const job = `upsert-earlier-read-${path}`;
        await writeVia([record('a', 50, 'read at 200')], { job, runId: 'zombie', fence: 1 }, at(200));

        // A later run that read before the upsert landed: same timestamp, older content.
        const result = await writeVia(
          [record('a', 50, 'read at 150')],
          { job, runId: 'later', fence: 2 },
          at(150),
        );

        expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
        const [item] = await storedItems(job);
        expect(item).toMatchObject({ data: { value: 'read at 200' } });
      });

      it('never takes new content from a lower fence, however late it was read', async () => {
        const job = `upsert-lower-fence-${path}`;
        await writeVia([record('a', 50, 'fence 5')], { job, runId: 'current', fence: 5 }, at(100));

        const result = await writeVia(
          [record('a', 50, 'fence 4')],
          { job, runId: 'stale', fence: 4 },
          at(900),
        );

        expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
        const [item] = await storedItems(job);
        expect(item).toMatchObject({ data: { value: 'fence 5' } });
      });

      it('writes nothing for the same content read again later', async () => {
        const job = `same-content-${path}`;
        await writeVia([record('a', 50, 'same')], { job, runId: 'run-1', fence: 1 }, at(100));

        const result = await writeVia([record('a', 50, 'same')], { job, runId: 'run-2', fence: 2 }, at(200));

        expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
        const [item] = await storedItems(job);
        expect(item).toMatchObject({ runId: 'run-1', readAt: 100 });
      });

      it('tells content apart whatever the order of its fields', async () => {
        const job = `field-order-${path}`;
        const first: SourceRecord = { key: 'a', sourceTimestampMs: 50, data: { x: 1, y: { p: 1, q: 2 } } };
        const reordered: SourceRecord = {
          key: 'a',
          sourceTimestampMs: 50,
          data: { y: { q: 2, p: 1 }, x: 1 },
        };
        await writeVia([first], { job, runId: 'run-1', fence: 1 }, at(100));

        const result = await writeVia([reordered], { job, runId: 'run-2', fence: 2 }, at(200));

        expect(result).toMatchObject({ written: 0, alreadyStored: 1 });
      });
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

  it.each([
    ['later in the batch', [record('a', 10, 'oldest'), record('a', 70, 'newest')], 'newest'],
    ['at the same timestamp: the one read last', [record('a', 70, 'first'), record('a', 70, 'last')], 'last'],
  ])('keeps the newest version when it comes %s', async (_, records, kept) => {
    const job = `duplicate-${kept}`;

    const result = await store.write(records, { job, runId: 'run-1', fence: 1 }, at(5));

    expect(result).toMatchObject({ written: 1, alreadyStored: 0 });
    const items = await storedItems(job);
    expect(items.map((item) => (item.data as { value: string }).value)).toEqual([kept]);
  });

  describe('requests in flight', () => {
    const countingStore = (options: Partial<RecordsStoreOptions> & { concurrency: number }) =>
      countingStoreOn(db, options);

    it('writes 25 new records to an INSERT batch, and nothing else', async () => {
      const { store: counted, counts } = countingStore({ concurrency: 4 });
      const records = Array.from({ length: 730 }, (_, i) => record(`r${i}`, 1000 + i));

      const result = await counted.write(records, { job: 'inserts', runId: 'run-1', fence: 1 }, at(5));

      expect(result).toEqual({ written: 730, alreadyStored: 0, quarantined: 0, requests: 30 });
      expect(counts.operations).toEqual({ BatchExecuteStatement: 30 });
      expect(await storedItems('inserts')).toHaveLength(730);
    });

    it('reads the overlap window back, 100 keys a call, and writes none of what it holds already', async () => {
      const { store: counted, counts } = countingStore({ concurrency: 4 });
      const writer = { job: 'overlap', runId: 'run-1', fence: 1 };
      const stored = Array.from({ length: 150 }, (_, i) => record(`r${i}`, 1000 + i));
      await counted.write(stored, writer, at(5));
      counts.operations = {};

      const reread = await counted.write(
        [...stored, record('late', 1_100), record('new', 2_000)],
        { ...writer, runId: 'run-2', fence: 2 },
        at(6),
        { storedThroughMs: 1_149 },
      );

      // 151 keys at or before the watermark: 2 read-backs; 'late' was absent and 'new' is past it: 2 INSERTs.
      expect(reread).toEqual({ written: 2, alreadyStored: 150, quarantined: 0, requests: 4 });
      expect(counts.operations).toEqual({ BatchGetItem: 2, BatchExecuteStatement: 2 });
      const items = await storedItems('overlap');
      expect(
        items
          .filter((item) => item.runId === 'run-2')
          .map((item) => item.sk)
          .sort(),
      ).toEqual(['late', 'new']);
    });

    it('stores a newer version found by the read-back with a conditional put, once', async () => {
      const { store: counted, counts } = countingStore({ concurrency: 2 });
      const writer = { job: 'overlap-newer', runId: 'run-1', fence: 1 };
      await counted.write([record('a', 10, 'v1'), record('b', 20, 'v1')], writer, at(5));
      counts.operations = {};

      const result = await counted.write(
        [record('a', 10, 'v1'), record('b', 20, 'v2')],
        { ...writer, runId: 'run-2', fence: 2 },
        at(6),
        { storedThroughMs: 20 },
      );

      expect(result).toEqual({ written: 1, alreadyStored: 1, quarantined: 0, requests: 2 });
      expect(counts.operations).toEqual({ BatchGetItem: 1, PutItem: 1 });
      const items = await storedItems('overlap-newer');
      expect(items.map((item) => [item.sk, (item.data as { value: string }).value])).toEqual([
        ['a', 'v1'],
        ['b', 'v2'],
      ]);
    });

    it('settles a record stored past the watermark (a crash before the commit) with a read-back, writing nothing', async () => {
      const { store: counted, counts } = countingStore({ concurrency: 2 });
      const writer = { job: 'replay', runId: 'crashed', fence: 1 };
      await counted.write([record('a', 10, 'v1')], writer, at(5));
      counts.operations = {};

      const replay = await counted.write(
        [record('a', 10, 'v1')],
        { ...writer, runId: 'next', fence: 2 },
        at(6),
        {
          storedThroughMs: 5,
        },
      );

      expect(replay).toEqual({ written: 0, alreadyStored: 1, quarantined: 0, requests: 2 });
      expect(counts.operations).toEqual({ BatchExecuteStatement: 1, BatchGetItem: 1 }); // DuplicateItem, then read
      const [item] = await storedItems('replay');
      expect(item).toMatchObject({ runId: 'crashed', fence: 1 });
    });

    it('shares its limit between write calls that overlap (two pages stored at once)', async () => {
      const { store: limited, counts } = countingStore({ concurrency: 3, insertBatchSize: 10 });
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

    it('finds the one record a whole batch is refused for by halving, and stores the rest', async () => {
      const { store: halving, counts } = countingStore({
        concurrency: 1,
        insertBatchSize: 20,
        rejected: { hold: async (held) => held.key === 'big0' },
      });
      // Over DynamoDB's 400 KB item limit: the whole call is refused, naming no statement.
      const records = [
        record('big0', 0, 'x'.repeat(410_000)),
        ...Array.from({ length: 19 }, (_, i) => record(`r${i}`, i + 1)),
      ];

      const result = await halving.write(records, { job: 'halves', runId: 'run-1', fence: 1 }, at(5));

      // Refused: 20, 10, 5, 3, 2, 1 records; accepted: the other halves of 10, 5, 2, 1 and 1.
      expect(result).toEqual({ written: 19, alreadyStored: 0, quarantined: 1, requests: 11 });
      expect(counts.requests).toBe(11);
      const stored = (await storedItems('halves')).map((item) => String(item.sk));
      expect(stored).toHaveLength(19);
      expect(stored).not.toContain('big0');
    });

    it('fails at once on a record DynamoDB rejects, naming it, starts no more of that write and throws once none is in flight', async () => {
      const { store: limited, counts } = countingStore({ concurrency: 2, insertBatchSize: 10 });
      const records = Array.from({ length: 100 }, (_, i) => record(`k${String(i).padStart(3, '0')}`, i));
      // A sort key over DynamoDB's 1,024-byte limit, in the third batch.
      records[25] = record(`k025-${'x'.repeat(1_100)}`, 25);
      const error = await limited
        .write(records, { job: 'fails', runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RecordRejectedError);
      expect((error as Error).message).toMatch(/^DynamoDB rejected record "k025-x+" for .+: ValidationError/);
      expect(counts.inFlight).toBe(0);
      expect(counts.requests).toBeLessThan(10); // the batches after the refused one never started
      const stored = (await storedItems('fails')).map((item) => String(item.sk));
      // The two batches before the refused one were in flight first and are stored whole.
      for (let i = 0; i < 20; i++) expect(stored).toContain(`k${String(i).padStart(3, '0')}`);
      expect(stored.some((key) => key.startsWith('k025'))).toBe(false);
    });
  });
});
