// A DynamoDB Local client for benchmarks: counts every HTTP attempt (retries included) and can add a
// fixed round-trip latency to each, to stand in for the network between Lambda and DynamoDB in a Region.
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '../../infra/local/dynamodb-local.js';

export interface InstrumentedDynamoDb {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  requests(): number;
}

export function instrumentedDynamoDb(endpoint: string, addedLatencyMs = 0): InstrumentedDynamoDb {
  const client = new DynamoDBClient({ ...localDynamoDbClientConfig(endpoint), maxAttempts: 10 });
  let requests = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      requests += 1;
      if (addedLatencyMs > 0) await sleep(addedLatencyMs);
      return next(args);
    },
    // Inside the retry loop: each attempt is one request and pays the round trip.
    { step: 'deserialize', name: 'benchInstrumentation' },
  );
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient, requests: () => requests };
}
