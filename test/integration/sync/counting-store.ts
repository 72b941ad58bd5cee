// What the records-store tests share: records and versions in a line, a store on a client of its own
// that counts its DynamoDB calls (in flight at once, the most at once, in all, and per operation; faults
// from sdk-faults.ts go on the same `client`), and reading back or seeding a stored record.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeys } from '../../../functions/shared/tables.js';
import {
  RecordsStore,
  type RecordsStoreOptions,
  type SourceRecord,
} from '../../../functions/sync/records-store.js';
import { localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import type { LocalDynamoDb } from '../../support/dynamodb.js';

export function countingStore(db: LocalDynamoDb, options: Partial<RecordsStoreOptions> = {}) {
  const client = new DynamoDBClient(localDynamoDbClientConfig(db.endpoint));
  const counts = {
    inFlight: 0,
    most: 0,
    requests: 0,
    operations: {} as Record<string, number>,
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.requests++;
      const operation = String(context.commandName).replace(/Command$/, '');
      counts.operations[operation] = (counts.operations[operation] ?? 0) + 1;
      counts.inFlight++;
      counts.most = Math.max(counts.most, counts.inFlight);
      try {
        return await next(args);
      } finally {
        counts.inFlight--;
      }
    },
    { step: 'initialize', name: 'countInFlight' },
  );
  const documentClient = DynamoDBDocumentClient.from(client);
  const store = new RecordsStore({ documentClient, tableName: db.tables.recordsTable, ...options });
  return { store, counts, client };
}

/** Read and stored at `ms`. */
export const at = (ms: number) => ({ readAtMs: ms, syncedAtMs: ms });

export const record = (key: string, sourceTimestampMs: number, value = key): SourceRecord => ({
  key,
  sourceTimestampMs,
  data: { value },
});

/** Every record is at or before the watermark: all of them are read back first. */
export const ALL_STORED = { storedThroughMs: Number.MAX_SAFE_INTEGER };

/** The item stored for `key` of `job`, if any. */
export const storedRecord = async (db: LocalDynamoDb, job: string, key: string) =>
  (
    await db.documentClient.send(
      new GetCommand({ TableName: db.tables.recordsTable, Key: recordKeys.record(job, key) }),
    )
  ).Item;

/** Stores `records` as run-1 under fence 1, on a store of its own. */
export const seedRecords = (db: LocalDynamoDb, job: string, records: SourceRecord[]) =>
  countingStore(db).store.write(records, { job, runId: 'run-1', fence: 1 }, at(5));
