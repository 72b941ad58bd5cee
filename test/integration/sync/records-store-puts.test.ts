import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  RecordRejectedError,
  type RecordsStoreOptions,
  type SourceRecord,
} from '../../../functions/sync/records-store.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { ALL_STORED, at, countingStore, record, seedRecords, storedRecord } from './counting-store.js';
import { failBeforeSending, firstAnswers, serviceError } from './sdk-faults.js';

describe('records store, writing a newer version or a value it cannot marshall', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await freshTables('store-puts');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const stored = (job: string, key: string) => storedRecord(db, job, key);
  const seed = (job: string, records: SourceRecord[]) => seedRecords(db, job, records);
  const store = (options: Partial<RecordsStoreOptions> = {}) => countingStore(db, options);

  describe('a conditional put', () => {
    /** 'a' stored as v1; the write brings v2, which the read-back sends to a conditional put. */
    async function newerVersion(
      job: string,
      options: Partial<RecordsStoreOptions>,
      fault: string,
      times: number,
    ) {
      await seed(job, [record('a', 10, 'v1')]);
      const counted = store(options);
      let left = times;
      const faults = failBeforeSending(
        counted.client,
        'refusePut',
        (r) => (r.operation === 'PutItem' && left-- > 0 ? 'fail' : 'pass'),
        () => serviceError(fault),
      );
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const write = () =>
        counted.store.write([record('a', 20, 'v2')], { job, runId: 'run-2', fence: 2 }, at(6), ALL_STORED);
      return { ...counted, faults, write };
    }

    it.each([
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
      'TransactionConflictException',
      'InternalServerError',
    ])('is tried again after %s, each attempt counted', async (fault) => {
      const job = `put-retry-${fault}`;
      const { write, counts } = await newerVersion(job, {}, fault, 2);

      const result = await write();

      expect(result).toEqual({ written: 1, alreadyStored: 0, quarantined: 0, requests: 4 });
      expect(counts.operations).toEqual({ BatchGetItem: 1, PutItem: 3 });
      expect(await stored(job, 'a')).toMatchObject({ data: { value: 'v2' }, runId: 'run-2' });
    });

    it('fails after maxAttempts throttled attempts, with DynamoDB’s error', async () => {
      const job = 'put-throttled-always';
      const { write, counts } = await newerVersion(job, { maxAttempts: 2 }, 'ThrottlingException', 99);

      const error = await write().catch((e: unknown) => e);

      expect((error as Error).name).toBe('ThrottlingException');
      expect(counts.operations).toEqual({ BatchGetItem: 1, PutItem: 2 });
      expect(await stored(job, 'a')).toMatchObject({ data: { value: 'v1' } });
    });

    it('fails at once on an error no retry clears', async () => {
      const { write, counts } = await newerVersion('put-forbidden', {}, 'AccessDeniedException', 99);

      const error = await write().catch((e: unknown) => e);

      expect((error as Error).name).toBe('AccessDeniedException');
      expect(counts.operations).toEqual({ BatchGetItem: 1, PutItem: 1 });
    });

    it('quarantines a newer version DynamoDB refuses (over 400 KB), and fails naming it without a quarantine', async () => {
      const job = 'put-too-big';
      await seed(job, [record('a', 10, 'v1')]);
      const big = record('a', 20, 'x'.repeat(410_000));
      const writer = { job, runId: 'run-2', fence: 2 };
      const held: string[] = [];
      const quarantining = store({ rejected: { hold: async (r) => held.push(r.key) > 0 } });

      const result = await quarantining.store.write([big], writer, at(6), ALL_STORED);
      const error = await store()
        .store.write([big], writer, at(6), ALL_STORED)
        .catch((e: unknown) => e);

      expect(result).toEqual({ written: 0, alreadyStored: 0, quarantined: 1, requests: 2 });
      expect(held).toEqual(['a']);
      expect(error).toBeInstanceOf(RecordRejectedError);
      expect((error as Error).message).toMatch(/^DynamoDB rejected record "a" for .+: Item size/);
      expect((error as Error).cause).toMatchObject({ name: 'ValidationException' });
      expect(await stored(job, 'a')).toMatchObject({ data: { value: 'v1' } });
    });

    it('counts a refused record the quarantine holds already as already stored', async () => {
      const job = 'put-too-big-again';
      await seed(job, [record('a', 10, 'v1')]);
      const { store: s } = store({ rejected: { hold: async () => false } });

      const result = await s.write(
        [record('a', 20, 'x'.repeat(410_000))],
        { job, runId: 'run-2', fence: 2 },
        at(6),
        ALL_STORED,
      );

      expect(result).toEqual({ written: 0, alreadyStored: 1, quarantined: 0, requests: 2 });
    });
  });

  it('counts a put that a lagging read-back sent as already stored when DynamoDB finds a newer version', async () => {
    const job = 'stale-read-back';
    await seed(job, [record('a', 30, 'v3')]);
    const { store: s, counts, client } = store();
    // An eventually consistent read a moment behind: it still shows version 1 of 'a'.
    firstAnswers(client, 'BatchGetItem', 1, () => ({
      Responses: {
        [db.tables.recordsTable]: [{ sk: 'a', sourceTimestamp: 10, contentHash: 'v1', fence: 1, readAt: 5 }],
      },
    }));

    const result = await s.write(
      [record('a', 20, 'v2')],
      { job, runId: 'run-2', fence: 2 },
      at(6),
      ALL_STORED,
    );

    expect(result).toEqual({ written: 0, alreadyStored: 1, quarantined: 0, requests: 2 });
    expect(counts.operations).toEqual({ BatchGetItem: 1, PutItem: 1 });
    expect(await stored(job, 'a')).toMatchObject({
      sourceTimestamp: 30,
      data: { value: 'v3' },
      runId: 'run-1',
    });
  });

  it('quarantines a value the document client cannot marshall (Infinity), alone, and writes the rest', async () => {
    const job = 'unmarshallable';
    const held: [string, string][] = [];
    const { store: s } = store({ rejected: { hold: async (r, why) => held.push([r.key, why]) > 0 } });
    const infinite: SourceRecord = {
      key: 'inf',
      sourceTimestampMs: 1,
      data: { value: Number.POSITIVE_INFINITY },
    };

    const result = await s.write([infinite, record('b', 2)], { job, runId: 'run-1', fence: 1 }, at(5));

    // Refused before sending, 2 records then 1 (each counted), and 'b' alone.
    expect(result).toEqual({ written: 1, alreadyStored: 0, quarantined: 1, requests: 3 });
    expect(held).toEqual([['inf', 'Special numeric value Infinity is not allowed']]);
    expect(await stored(job, 'inf')).toBeUndefined();
    expect(await stored(job, 'b')).toMatchObject({ runId: 'run-1' });
  });
});
