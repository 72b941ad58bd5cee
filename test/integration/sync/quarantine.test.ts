// Rows DynamoDB cannot take as they are, against DynamoDB Local: odd field names are stored faithfully,
// and a record DynamoDB can never accept is kept whole in quarantine (or fails the write, by policy).
// The S3 archive for rows over the item limit is the real adapter over a mocked S3 client (S3 has no local
// engine here).
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { controlKeys, recordKeys } from '../../../functions/shared/tables.js';
import { Quarantine, type QuarantineOptions, quarantineKey } from '../../../functions/sync/quarantine.js';
import { canonicalJson } from '../../../functions/sync/record-content.js';
import {
  RecordRejectedError,
  RecordsStore,
  type SourceRecord,
} from '../../../functions/sync/records-store.js';
import { S3RawRowArchive } from '../../../functions/sync/s3-raw-row-archive.js';
import { decodeStoredFieldNames } from '../../../functions/sync/stored-data.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { RecordingLogger } from '../../support/observability.js';
import { startSyncHarness } from '../../support/sync-harness.js';

const at = (ms: number) => ({ readAtMs: ms, syncedAtMs: ms });
const record = (key: string, data: Record<string, unknown>, sourceTimestampMs = 1_000): SourceRecord => ({
  key,
  sourceTimestampMs,
  data,
});

describe('rows DynamoDB cannot take as they are', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await freshTables('quarantine');
  });

  const failing = () =>
    new RecordsStore({ documentClient: db.documentClient, tableName: db.tables.recordsTable });
  function quarantining(options: Partial<QuarantineOptions> = {}) {
    const logger = new RecordingLogger();
    const store = new RecordsStore({
      documentClient: db.documentClient,
      tableName: db.tables.recordsTable,
      insertBatchSize: 10,
      rejected: new Quarantine({
        documentClient: db.documentClient,
        tableName: db.tables.controlTable,
        logger,
        ...options,
      }),
    });
    return { store, logger };
  }
  const storedRecord = async (job: string, key: string) =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.recordsTable, Key: recordKeys.record(job, key) }),
      )
    ).Item;
  const quarantined = async (job: string) =>
    (
      await db.documentClient.send(
        new QueryCommand({
          TableName: db.tables.controlTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :q)',
          ExpressionAttributeValues: { ':pk': controlKeys.jobPartition(job), ':q': 'quarantine#' },
        }),
      )
    ).Items ?? [];

  it('stores a row with fields named constructor, __proto__, "" and ~x faithfully, and says they are escaped', async () => {
    const row = JSON.parse(
      '{"constructor":{"name":"String"},"__proto__":{"a":1},"":"empty","~x":1,"nested":[{"constructor":"c"}],"plain":2}',
    ) as Record<string, unknown>;

    const result = await failing().write(
      [record('odd', row)],
      { job: 'odd-names', runId: 'r', fence: 1 },
      at(5),
    );

    expect(result).toMatchObject({ written: 1, quarantined: 0 });
    const item = await storedRecord('odd-names', 'odd');
    expect(item?.dataFieldNames).toBe('escaped');
    // Maps keep no field order: compared with keys sorted, every field and value is there, as sent.
    expect(canonicalJson(decodeStoredFieldNames(item?.data))).toBe(canonicalJson(row));
    expect(Object.keys(decodeStoredFieldNames(item?.data) as object).sort()).toEqual(Object.keys(row).sort());
  });

  it('stores an integer beyond 2^53 as the number it is, not refused', async () => {
    await failing().write([record('big', { n: 2 ** 64 })], { job: 'big', runId: 'r', fence: 1 }, at(5));

    expect((await storedRecord('big', 'big'))?.data.n).toBe(18446744073709551616n);
  });

  it('fails the write on a record DynamoDB can never accept when there is no quarantine', async () => {
    const error = await failing()
      .write([record(`k-${'x'.repeat(1_100)}`, { v: 1 })], { job: 'fail-mode', runId: 'r', fence: 1 }, at(5))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecordRejectedError);
  });

  it('quarantines a record whose key is over 1 KB, whole, and writes the rest of its batch', async () => {
    const { store, logger } = quarantining();
    const longKey = `k-${'x'.repeat(1_100)}`;
    const records = [
      record('a', { v: 1 }),
      record(longKey, { v: 2, source: 'y'.repeat(1_100) }),
      record('b', { v: 3 }),
    ];

    const result = await store.write(records, { job: 'long-key', runId: 'r1', fence: 7 }, at(5));

    expect(result).toMatchObject({ written: 2, quarantined: 1 });
    expect(await storedRecord('long-key', 'a')).toBeDefined();
    expect(await storedRecord('long-key', 'b')).toBeDefined();
    const [held, ...others] = await quarantined('long-key');
    expect(others).toEqual([]);
    expect(held).toMatchObject({
      ...quarantineKey('long-key', records[1] as SourceRecord),
      recordKey: longKey,
      sourceTimestamp: 1_000,
      runId: 'r1',
      fence: 7,
      reason: expect.stringMatching(/ValidationError/),
    });
    expect(JSON.parse(held?.rawRow as string)).toEqual(records[1]?.data);
    expect(logger.recorded).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^Record quarantined/) }),
    );
  });

  it('counts a re-read of a quarantined row as held already, not as quarantined again', async () => {
    const { store } = quarantining();
    const rejected = record(`k-${'x'.repeat(1_100)}`, { v: 2 });
    await store.write([rejected], { job: 'requarantine', runId: 'r1', fence: 1 }, at(5));

    const again = await store.write([rejected], { job: 'requarantine', runId: 'r2', fence: 2 }, at(6));

    expect(again).toMatchObject({ quarantined: 0, alreadyStored: 1 });
    expect(await quarantined('requarantine')).toHaveLength(1);
  });

  it('quarantines a number out of DynamoDB’s range instead of failing on it', async () => {
    const { store } = quarantining();

    const result = await store.write(
      [record('huge', { n: 1e300 })],
      { job: 'huge-number', runId: 'r', fence: 1 },
      at(5),
    );

    expect(result.quarantined).toBe(1);
    expect(JSON.parse((await quarantined('huge-number'))[0]?.rawRow as string)).toEqual({ n: 1e300 });
  });

  it('puts a row over the item limit in the archive, the quarantine item pointing at it', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const archive = new S3RawRowArchive({
      bucket: 'quarantine-bucket',
      client: async () => new S3Client({}),
    });
    const { store } = quarantining({ archive });
    const large = record('large', { payload: 'x'.repeat(420_000) });

    const result = await store.write([large], { job: 'too-large', runId: 'r', fence: 1 }, at(5));

    expect(result.quarantined).toBe(1);
    const [held] = await quarantined('too-large');
    expect(held).not.toHaveProperty('rawRow');
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(held?.rawRowLocation).toBe(`s3://quarantine-bucket/${put?.Key}`);
    expect(put?.Key).toMatch(/^quarantine\/too-large\//); // the job's prefix, the only one its role may write
    expect(JSON.parse(String(put?.Body))).toEqual(large.data);
    s3.restore();
  });

  it('fails, losing nothing, when a row over the item limit has no archive to go to', async () => {
    const { store } = quarantining();

    const error = await store
      .write(
        [record('large', { payload: 'x'.repeat(420_000) })],
        { job: 'no-archive', runId: 'r', fence: 1 },
        at(5),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecordRejectedError);
    expect((error as Error).message).toMatch(/no quarantine bucket configured/);
    expect(await quarantined('no-archive')).toEqual([]);
  });
});

describe('a sync run that meets a record DynamoDB can never accept', () => {
  async function runPastRejected(env: Record<string, string>) {
    const h = await startSyncHarness('quarantine-run', { env });
    const nowMs = h.sim.clock.nowMs();
    h.sim.stream.generate(150, { fromMs: nowMs - 600_000, toMs: nowMs - 300_001 });
    // A source name of 1,100 characters: the record key is over DynamoDB's 1,024-byte sort-key limit.
    const [rejected] = h.sim.stream.append({ timestamp: nowMs - 300_000, source: 's'.repeat(1_100) });
    h.sim.stream.generate(150, { fromMs: nowMs - 299_999, toMs: nowMs - 1_000 });
    if (!rejected) throw new Error('the simulator appended the entry');
    return { h, rejected };
  }

  it('quarantines it, moves the watermark past it and publishes RecordsQuarantined', async () => {
    const { h, rejected } = await runPastRejected({ REJECTED_RECORDS: 'quarantine' });
    try {
      const summary = await h.run();

      expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 300, recordsQuarantined: 1 });
      expect((await h.watermark())?.timestampMs).toBeGreaterThan(rejected.timestamp);
      expect(h.metrics.values('RecordsQuarantined')).toEqual([1]);
      const held = await h.db.documentClient.send(
        new GetCommand({
          TableName: h.db.tables.controlTable,
          Key: quarantineKey(h.job, { key: h.keyOf(rejected), sourceTimestampMs: rejected.timestamp }),
        }),
      );
      expect(JSON.parse(held.Item?.rawRow as string)).toMatchObject({
        id: rejected.id,
        source: rejected.source,
      });

      h.clock.shiftMs = 1_000;
      const next = await h.run(); // re-reads it in the overlap: held already, not counted again
      expect(next).toMatchObject({ outcome: 'succeeded' });
      expect(next).not.toHaveProperty('recordsQuarantined');
      expect(h.metrics.values('RecordsQuarantined')).toEqual([1, 0]);
    } finally {
      await h.close();
    }
  });

  it('fails the run with the fail policy, the watermark staying before the record', async () => {
    const { h, rejected } = await runPastRejected({ REJECTED_RECORDS: 'fail' });
    try {
      await expect(h.run()).rejects.toBeInstanceOf(RecordRejectedError);

      expect((await h.watermark())?.timestampMs).toBeLessThan(rejected.timestamp);
      expect(h.metrics.count('RunFailed')).toBe(1);
    } finally {
      await h.close();
    }
  });
});
