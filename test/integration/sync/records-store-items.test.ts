// The INSERTs carry AttributeValues the store builds itself (attribute-values.ts), not the document
// client's: against DynamoDB Local, every item they store must be the very item the document client's
// PutItem of the same recordItem stores (attribute names, types and values), read back raw.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordKeys } from '../../../functions/shared/tables.js';
import { recordItem } from '../../../functions/sync/record-item.js';
import { RecordsStore, type SourceRecord } from '../../../functions/sync/records-store.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

const writer = { job: 'items', runId: 'run-1', fence: 4 };
const version = { readAtMs: 1_000, syncedAtMs: 1_001 };

const rows: Record<string, string> = {
  typical:
    '{"id":"7681fa77","timestamp":1796259772555,"source":"Press-02","sourceType":"Thing","location":{"latitude":52.38,"longitude":4.9,"elevation":2,"units":"WGS84"},"tags":[{"vocabulary":"Plant","vocabularyTerm":"Line2"}],"temperature":28.51,"pressure":974.1,"status":"ALARM","payload":""}',
  scalars:
    '{"zero":0,"negative":-17.25,"tiny":1e-7,"large":1e20,"safe":9007199254740991,"true":true,"false":false,"none":null,"empty":""}',
  lists: '{"nulls":[null,null],"mixed":[1,"a",true,null,{"k":[]}],"empty":[],"nested":[[1,2],[3]]}',
  text: '{"unicode":"ü😀\\u2028","quotes":"a \\"b\\" c","newline":"x\\ny","backslash":"\\\\"}',
  escaped:
    '{"constructor":{"name":"String"},"__proto__":{"a":1},"":"empty","~x":1,"nested":[{"constructor":"c"}]}',
  unsafe: '{"big":18446744073709551616,"negative":-9007199254740993,"inList":[12345678901234567890]}',
};

describe('records store items', () => {
  let db: LocalDynamoDb;
  let reference: LocalDynamoDb;
  // With the default key fields a key starts with its source time, and the item has no index key.
  const timed: SourceRecord = {
    key: '1796259772555#Press-02',
    sourceTimestampMs: 1_796_259_772_555,
    data: JSON.parse(rows.typical as string) as Record<string, unknown>,
  };
  const records: SourceRecord[] = [
    ...Object.entries(rows).map(([key, json], index) => ({
      key,
      sourceTimestampMs: 10 + index,
      data: JSON.parse(json) as Record<string, unknown>,
    })),
    timed,
  ];

  beforeAll(async () => {
    [db, reference] = await Promise.all([freshTables('items'), freshTables('items-put')]);
    const store = new RecordsStore({ documentClient: db.documentClient, tableName: db.tables.recordsTable });
    const result = await store.write(records, writer, version);
    expect(result).toMatchObject({ written: records.length, alreadyStored: 0, quarantined: 0 });
    // The reference: the same items, put by the document client as the store's conditional put does.
    for (const record of records) {
      await reference.documentClient.send(
        new PutCommand({
          TableName: reference.tables.recordsTable,
          Item: recordItem(record, writer, version),
        }),
      );
    }
  });

  const rawItem = async (on: LocalDynamoDb, key: string) =>
    (
      await on.client.send(
        new GetItemCommand({
          TableName: on.tables.recordsTable,
          Key: { pk: { S: recordKeys.jobPartition(writer.job) }, sk: { S: key } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it.each([...Object.keys(rows), timed.key])(
    'stores the %s row as the document client’s PutItem does',
    async (key) => {
      const inserted = await rawItem(db, key);

      expect(inserted).toBeDefined();
      expect(inserted).toEqual(await rawItem(reference, key));
    },
  );

  it('stores the attributes recordItem decides, with their types and values', async () => {
    const record = records.find((r) => r.key === 'typical') as SourceRecord;

    const inserted = await rawItem(db, 'typical');

    expect(inserted).toEqual({
      pk: { S: 'job#items' },
      sk: { S: 'typical' },
      sourceTimestamp: { N: String(record.sourceTimestampMs) },
      // The key does not start with its source time: the audit's sparse index key (source-time-order.ts).
      auditTime: { N: String(record.sourceTimestampMs) },
      contentHash: { S: recordItem(record, writer, version).contentHash },
      data: {
        M: {
          id: { S: '7681fa77' },
          timestamp: { N: '1796259772555' },
          source: { S: 'Press-02' },
          sourceType: { S: 'Thing' },
          location: {
            M: {
              latitude: { N: '52.38' },
              longitude: { N: '4.9' },
              elevation: { N: '2' },
              units: { S: 'WGS84' },
            },
          },
          tags: { L: [{ M: { vocabulary: { S: 'Plant' }, vocabularyTerm: { S: 'Line2' } } }] },
          temperature: { N: '28.51' },
          pressure: { N: '974.1' },
          status: { S: 'ALARM' },
          payload: { S: '' },
        },
      },
      runId: { S: 'run-1' },
      fence: { N: '4' },
      readAt: { N: '1000' },
      syncedAt: { N: '1001' },
    });
  });

  it('stores a record whose key starts with its source time without the index key', async () => {
    const inserted = await rawItem(db, timed.key);

    expect(inserted).toMatchObject({ sk: { S: timed.key }, sourceTimestamp: { N: '1796259772555' } });
    expect(inserted).not.toHaveProperty('auditTime');
  });

  it('inserts into the table of its own store when two stores write items of the same shape', async () => {
    const other = new RecordsStore({
      documentClient: reference.documentClient,
      tableName: reference.tables.recordsTable,
    });
    const record = { key: 'elsewhere', sourceTimestampMs: 99, data: { value: 1 } };

    await other.write([record], writer, version);

    expect(await rawItem(reference, 'elsewhere')).toMatchObject({ data: { M: { value: { N: '1' } } } });
    expect(await rawItem(db, 'elsewhere')).toBeUndefined();
  });

  it('marks escaped field names and keeps integers beyond 2^53 exact', async () => {
    const escaped = await rawItem(db, 'escaped');
    const unsafe = await rawItem(db, 'unsafe');

    expect(escaped?.dataFieldNames).toEqual({ S: 'escaped' });
    expect(Object.keys(escaped?.data?.M ?? {}).sort()).toEqual(
      ['~', '~__proto__', '~constructor', '~~x', 'nested'].sort(),
    );
    expect(unsafe?.data?.M?.big).toEqual({ N: '18446744073709551616' });
    expect(unsafe?.data?.M?.inList).toEqual({ L: [{ N: '12345678901234567168' }] });
    expect(unsafe).not.toHaveProperty('dataFieldNames');
  });
});
