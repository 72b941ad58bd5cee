import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  RecordRejectedError,
  type RecordsStoreOptions,
  type SourceRecord,
} from '../../../functions/sync/records-store.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { ALL_STORED, at, countingStore, record, seedRecords, storedRecord } from './counting-store.js';
import {
  answerWithoutSending,
  failBeforeSending,
  firstAnswers,
  nothingProcessed,
  refusedOneByOne,
  refusedStatements,
  serviceError,
} from './sdk-faults.js';

describe('records store, when DynamoDB refuses for now or for good', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await freshTables('store-faults');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const stored = (job: string, key: string) => storedRecord(db, job, key);
  const seed = (job: string, records: SourceRecord[]) => seedRecords(db, job, records);
  const store = (options: Partial<RecordsStoreOptions> = {}) => countingStore(db, options);

  describe('a read-back', () => {
    it('asks again for keys left unprocessed, after a backoff, and counts every call', async () => {
      const job = 'unprocessed-once';
      await seed(job, [record('a', 10), record('b', 20)]);
      const { store: s, counts, client } = store();
      const faults = firstAnswers(client, 'BatchGetItem', 1, nothingProcessed);
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const waits = vi.spyOn(globalThis, 'setTimeout');

      const result = await s.write(
        [record('a', 10), record('b', 20)],
        { job, runId: 'run-2', fence: 2 },
        at(6),
        ALL_STORED,
      );

      expect(faults.answered).toBe(1);
      expect(result).toEqual({ written: 0, alreadyStored: 2, quarantined: 0, requests: 2 });
      expect(counts.operations).toEqual({ BatchGetItem: 2 });
      expect(waits.mock.calls.map(([, ms]) => ms)).toContain(25); // 0.5 × 25 ms × 2^1
    });

    it('gives up after maxAttempts calls, naming the table, the partition and how often', async () => {
      const job = 'unprocessed-always';
      await seed(job, [record('a', 10), record('b', 20)]);
      const { store: s, counts, client } = store({ maxAttempts: 3 });
      firstAnswers(client, 'BatchGetItem', 99, nothingProcessed);
      vi.spyOn(Math, 'random').mockReturnValue(0);

      const error = await s
        .write([record('a', 10), record('b', 20, 'v2')], { job, runId: 'run-2', fence: 2 }, at(6), ALL_STORED)
        .catch((e: unknown) => e);

      expect((error as Error).message).toBe(
        `Reading back 2 records of ${db.tables.recordsTable} (pk job#${job}) left them unprocessed 3 times (throttled)`,
      );
      expect(counts.operations).toEqual({ BatchGetItem: 3 });
      expect(await stored(job, 'b')).toMatchObject({ data: { value: 'b' } });
    });

    it('takes one call and no retry when DynamoDB answers it whole, even with a single attempt allowed', async () => {
      const job = 'one-attempt';
      await seed(job, [record('a', 10)]);
      const { store: s, counts } = store({ maxAttempts: 1 });

      const result = await s.write(
        [record('a', 10), record('b', 20)],
        { job, runId: 'run-2', fence: 2 },
        at(6),
        ALL_STORED,
      );

      expect(result).toEqual({ written: 1, alreadyStored: 1, quarantined: 0, requests: 2 });
      expect(counts.operations).toEqual({ BatchGetItem: 1, BatchExecuteStatement: 1 });
    });

    it('fails the write on an error it cannot act on, writing none of its records', async () => {
      const job = 'read-forbidden';
      await seed(job, [record('a', 10)]);
      const { store: s, counts, client } = store();
      failBeforeSending(
        client,
        'forbidRead',
        (r) => (r.operation === 'BatchGetItem' ? 'fail' : 'pass'),
        () => serviceError('AccessDeniedException'),
      );

      const error = await s
        .write([record('a', 20, 'v2'), record('b', 20)], { job, runId: 'run-2', fence: 2 }, at(6), ALL_STORED)
        .catch((e: unknown) => e);

      expect((error as Error).name).toBe('AccessDeniedException');
      expect(counts.operations).toEqual({ BatchGetItem: 1 });
      expect(await stored(job, 'b')).toBeUndefined();
    });

    it('hands a batch DynamoDB refuses as a whole (a key over 1 KB) to the INSERTs, which find the one', async () => {
      const job = 'read-refused';
      const long = `k-${'x'.repeat(1_100)}`;
      const held: string[] = [];
      const { store: s, counts } = store({ rejected: { hold: async (r) => held.push(r.key) > 0 } });

      const result = await s.write(
        [record(long, 10), record('b', 20)],
        { job, runId: 'run-1', fence: 1 },
        at(6),
        ALL_STORED,
      );

      // The refused read counts once; one INSERT batch then writes 'b' and refuses the long key alone.
      expect(result).toEqual({ written: 1, alreadyStored: 0, quarantined: 1, requests: 2 });
      expect(counts.operations).toEqual({ BatchGetItem: 1, BatchExecuteStatement: 1 });
      expect(held).toEqual([long]);
      expect(await stored(job, 'b')).toMatchObject({ runId: 'run-1' });
    });
  });

  describe('INSERT statements refused one by one', () => {
    it.each(['ThrottlingError', 'TransactionConflict', 'InternalServerError'])(
      'retries the statements refused with %s, and only those, after a backoff',
      async (code) => {
        const job = `retry-${code}`;
        const { store: s, counts, client } = store();
        let first = true;
        answerWithoutSending(
          client,
          'refuseFirst',
          (r) => (r.operation === 'BatchExecuteStatement' && first ? 'fail' : 'pass'),
          (r) => {
            first = false;
            return refusedStatements(r, code);
          },
        );
        vi.spyOn(Math, 'random').mockReturnValue(0.5);
        const waits = vi.spyOn(globalThis, 'setTimeout');

        const result = await s.write(
          [record('a', 1), record('b', 2)],
          { job, runId: 'run-1', fence: 1 },
          at(5),
        );

        expect(result).toEqual({ written: 2, alreadyStored: 0, quarantined: 0, requests: 2 });
        expect(counts.operations).toEqual({ BatchExecuteStatement: 2 });
        expect(waits.mock.calls.map(([, ms]) => ms)).toContain(25);
        expect(await stored(job, 'a')).toMatchObject({ runId: 'run-1' });
      },
    );

    it('gives up after 8 attempts by default, naming every code it was refused with', async () => {
      const job = 'retry-forever';
      const { store: s, counts, client } = store();
      firstAnswers(client, 'BatchExecuteStatement', 99, (r) =>
        refusedOneByOne(r, ['ThrottlingError', 'TransactionConflict']),
      );
      vi.spyOn(Math, 'random').mockReturnValue(0);

      const error = await s
        .write([record('a', 1), record('b', 2)], { job, runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect((error as Error).message).toBe(
        `Writing 2 records to ${db.tables.recordsTable} was refused 8 times (ThrottlingError, TransactionConflict)`,
      );
      expect(counts.operations).toEqual({ BatchExecuteStatement: 8 });
      expect(await stored(job, 'a')).toBeUndefined();
    });

    it('sends a statement DynamoDB left unanswered again, never counting it written', async () => {
      const job = 'no-response';
      const { store: s, counts, client } = store();
      // The first answer holds no response for the second statement: only the first is settled.
      firstAnswers(client, 'BatchExecuteStatement', 1, () => ({ Responses: [{}] }));

      const result = await s.write(
        [record('a', 1), record('b', 2)],
        { job, runId: 'run-1', fence: 1 },
        at(5),
      );

      expect(result).toEqual({ written: 2, alreadyStored: 0, quarantined: 0, requests: 2 });
      expect(counts.operations).toEqual({ BatchExecuteStatement: 2 });
      expect(await stored(job, 'b')).toBeDefined();
    });

    it('gives up on a statement DynamoDB never answers, saying so', async () => {
      const { store: s, client } = store({ maxAttempts: 2 });
      firstAnswers(client, 'BatchExecuteStatement', 99, () => ({ Responses: [] }));
      vi.spyOn(Math, 'random').mockReturnValue(0);

      const error = await s
        .write([record('a', 1)], { job: 'never-answered', runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect((error as Error).message).toBe(
        `Writing 1 records to ${db.tables.recordsTable} was refused 2 times (NoResponse)`,
      );
    });

    it.each([
      [
        'with its message',
        { Code: 'ItemCollectionSizeLimitExceeded', Message: 'collection full' },
        'ItemCollectionSizeLimitExceeded (collection full)',
      ],
      ['without a message', { Code: 'ItemCollectionSizeLimitExceeded' }, 'ItemCollectionSizeLimitExceeded'],
    ])('quarantines a record refused for good (item collection full, %s), once', async (_, error, why) => {
      const job = `collection-full-${why.length}`;
      const held: [string, string][] = [];
      const {
        store: s,
        counts,
        client,
      } = store({
        rejected: { hold: async (r, reason) => held.push([r.key, reason]) > 0 },
      });
      firstAnswers(client, 'BatchExecuteStatement', 1, () => ({ Responses: [{ Error: error }, {}] }));

      const result = await s.write(
        [record('full', 1), record('b', 2)],
        { job, runId: 'run-1', fence: 1 },
        at(5),
      );

      expect(result).toEqual({ written: 1, alreadyStored: 0, quarantined: 1, requests: 1 });
      expect(held).toEqual([['full', why]]);
      expect(counts.operations).toEqual({ BatchExecuteStatement: 1 });
    });

    it('fails on a record refused for good when there is no quarantine, naming it and why', async () => {
      const { store: s, client } = store();
      firstAnswers(client, 'BatchExecuteStatement', 1, () => ({
        Responses: [{ Error: { Code: 'ItemCollectionSizeLimitExceeded' } }],
      }));

      const error = await s
        .write([record('full', 1)], { job: 'collection-full-fail', runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RecordRejectedError);
      expect((error as RecordRejectedError).reason).toBe('record-rejected');
      expect((error as Error).message).toBe(
        `DynamoDB rejected record "full" for ${db.tables.recordsTable}: ItemCollectionSizeLimitExceeded; the run stops before it`,
      );
    });

    it.each([
      ['AccessDenied', 'no grant', ': AccessDenied (no grant)'],
      ['ResourceNotFound', undefined, ': ResourceNotFound'],
    ])('fails at once, without retrying, on %s: the run is misconfigured', async (code, message, said) => {
      const job = `fatal-${code}`;
      const { store: s, counts, client } = store();
      firstAnswers(client, 'BatchExecuteStatement', 99, () => ({
        Responses: [{ Error: { Code: code, ...(message ? { Message: message } : {}) } }],
      }));

      const error = await s
        .write([record('a', 1)], { job, runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect((error as Error).message).toBe(
        `DynamoDB refused to insert into ${db.tables.recordsTable}${said}`,
      );
      expect(counts.operations).toEqual({ BatchExecuteStatement: 1 });
    });

    it('fails the write with the error of an INSERT call that fails outright (a connection reset), quarantining nothing', async () => {
      const held: string[] = [];
      const { store: s, counts, client } = store({ rejected: { hold: async (r) => held.push(r.key) > 0 } });
      failBeforeSending(
        client,
        'resetInserts',
        (r) => (r.operation === 'BatchExecuteStatement' ? 'fail' : 'pass'),
        () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      );

      const error = await s
        .write([record('a', 1), record('b', 2)], { job: 'reset', runId: 'run-1', fence: 1 }, at(5))
        .catch((e: unknown) => e);

      expect((error as Error).message).toBe('socket hang up');
      expect(held).toEqual([]);
      expect(counts.operations).toEqual({ BatchExecuteStatement: 1 });
    });

    it('settles an INSERT refused as a conflict on an item the read-back then finds absent with a conditional put', async () => {
      const job = 'conflict-absent';
      const { store: s, counts, client } = store();
      firstAnswers(client, 'BatchExecuteStatement', 1, () => ({
        Responses: [{ Error: { Code: 'ConditionalCheckFailed' } }],
      }));

      const result = await s.write([record('a', 1)], { job, runId: 'run-1', fence: 1 }, at(5));

      expect(result).toEqual({ written: 1, alreadyStored: 0, quarantined: 0, requests: 3 });
      expect(counts.operations).toEqual({ BatchExecuteStatement: 1, BatchGetItem: 1, PutItem: 1 });
      expect(await stored(job, 'a')).toMatchObject({ runId: 'run-1', fence: 1 });
    });
  });
});
