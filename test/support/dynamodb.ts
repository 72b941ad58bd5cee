// Test helpers for DynamoDB Local: clients bound to the run's emulator, and fresh tables per test
// file so tests never see each other's items.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { TableNames } from '../../functions/shared/tables.js';
import { createTables, localDynamoDbClientConfig } from '../../infra/local/dynamodb-local.js';

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly endpoint: string;
}

/** Creates a pair of empty tables with a unique prefix and clients for them. */
export async function freshTables(label: string): Promise<LocalDynamoDb> {
  const endpoint = inject('dynamoDbEndpoint');
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const prefix = `${label}-${randomUUID().slice(0, 8)}`;
  const tables: TableNames = { controlTable: `${prefix}-control`, recordsTable: `${prefix}-records` };
  await createTables(client, tables);
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient, tables, endpoint };
}
