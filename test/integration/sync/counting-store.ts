// A records store on a client of its own that counts its DynamoDB calls: in flight at once (and the most
// at once), in all, and per operation. Faults (sdk-faults.ts) go on the same `client`.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RecordsStore, type RecordsStoreOptions } from '../../../functions/sync/records-store.js';
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
