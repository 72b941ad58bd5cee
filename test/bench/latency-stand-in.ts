// A latency-only stand-in for the records table: every request on it is built, signed and sent by the
// real SDK client, then answered after a fixed delay, as if DynamoDB had done the work in no time (every
// INSERT accepted, nothing found by a read-back). Control-table requests (lock, watermark, ledger: a few
// per page) still go to DynamoDB Local. So what is left to measure is syncwarden's own CPU and its
// pipelining over a round trip, the figure that sizes a Lambda on AWS (issue 14, row (e) of bench:sync).

import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface HttpRequestLike {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

type Handler = { handle(request: HttpRequestLike, options?: unknown): Promise<{ response: unknown }> };

/** Answers the records table's requests of `client` itself, each after `latencyMs`. */
export function standInForRecords(client: DynamoDBClient, recordsTable: string, latencyMs: number): void {
  const config = client.config as unknown as { requestHandler: Handler };
  const real = config.requestHandler;
  const table = Buffer.from(recordsTable);
  config.requestHandler = {
    async handle(request, options) {
      const operation = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = bytesOf(request.body);
      const answer = body.includes(table) ? answerFor(operation, body, recordsTable) : undefined;
      if (!answer) return real.handle(request, options);
      await sleep(latencyMs);
      const payload = Buffer.from(JSON.stringify(answer));
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(payload.length) },
          body: Readable.from([payload]),
        },
      };
    },
  };
}

/**
 * The request body's bytes, without a copy or a decode when it is bytes already (the SDK's JSON codec
 * writes it so): the stand-in runs in the sync's process, so whatever it spends counts as the sync's CPU.
 */
function bytesOf(body: unknown): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(String(body ?? ''));
}

/**
 * `"Statement":"` starts each statement of a BatchExecuteStatement body and nothing else in it: inside a
 * JSON string every quote is escaped, and a map key `Statement` is followed by `{`. Counting it answers
 * the request without parsing it (a full JSON.parse of every body was a tenth of the sync's CPU).
 */
const STATEMENT = Buffer.from('"Statement":"');

function countStatements(body: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(STATEMENT); at !== -1; at = body.indexOf(STATEMENT, at + STATEMENT.length)) {
    count++;
  }
  return count;
}

function answerFor(operation: string, body: Buffer, table: string): Record<string, unknown> | undefined {
  switch (operation) {
    case 'BatchExecuteStatement':
      return { Responses: Array.from({ length: countStatements(body) }, () => ({ TableName: table })) };
    case 'BatchGetItem':
      return { Responses: { [table]: [] }, UnprocessedKeys: {} };
    case 'PutItem':
      return {};
    default:
      return undefined;
  }
}
