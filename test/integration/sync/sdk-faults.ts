// Faults DynamoDB Local never makes, injected at the SDK middleware of a test's client: a transaction
// cancelled by conflicts or throttling, a write refused outright, an answer lost after the write landed.
// Requests are matched on the HTTP request the SDK built (its X-Amz-Target and JSON body), so the
// document client's commands and the base client's are seen alike.
import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

export interface DynamoDbRequest {
  /** The operation, e.g. `TransactWriteItems`, `UpdateItem`. */
  readonly operation: string;
  /** The JSON body as sent (marshalled attribute values). */
  readonly body: string;
}

type Fault = (request: DynamoDbRequest) => 'fail' | 'pass';

interface HttpLike {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

function describe(request: HttpLike): DynamoDbRequest {
  const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
  return {
    operation: target.split('.').pop() ?? '',
    body: request.body === undefined ? '' : String(request.body),
  };
}

/**
 * Before a matching request is sent (outside the SDK's retries), throws `makeError(request)` instead.
 * `matches` is asked for every request; `failures` counts the ones it failed, `seen` the ones it matched.
 */
export function failBeforeSending(
  client: DynamoDBClient,
  name: string,
  decide: Fault,
  makeError: (request: DynamoDbRequest) => Error,
) {
  const state = { failures: 0, seen: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = describe(args.request as HttpLike);
      if (decide(request) === 'fail') {
        state.failures += 1;
        throw makeError(request);
      }
      return next(args);
    },
    { step: 'build', name },
  );
  return state;
}

/** A TransactWriteItems cancelled with `code` for each of its items, as DynamoDB answers a conflict or throttling. */
export function cancelledTransaction(request: DynamoDbRequest, code: string): TransactionCanceledException {
  const items = (JSON.parse(request.body) as { TransactItems?: unknown[] }).TransactItems ?? [];
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: items.map(() => ({ Code: code, Message: code })),
  });
}

/**
 * Inside the SDK's retry loop: a matching request reaches DynamoDB (it lands) and its answer is replaced
 * by a retryable timeout, up to `times` times; the SDK then sends it again.
 */
export function loseAnswers(
  client: DynamoDBClient,
  name: string,
  matches: (r: DynamoDbRequest) => boolean,
  times: number,
) {
  const state = { lost: 0, attempts: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = describe(args.request as HttpLike);
      const result = await next(args);
      if (matches(request)) {
        state.attempts += 1;
        if (state.lost < times) {
          state.lost += 1;
          throw Object.assign(new Error('simulated timeout after the write landed'), {
            name: 'TimeoutError',
            $metadata: {},
          });
        }
      }
      return result;
    },
    { step: 'deserialize', name },
  );
  return state;
}

/** True for a request that writes the job's watermark item. */
export const writesWatermark = (r: DynamoDbRequest) =>
  r.operation === 'TransactWriteItems' && r.body.includes('"S":"watermark"');

/** True for a transaction of records into `recordsTable`. */
export const writesRecords = (recordsTable: string) => (r: DynamoDbRequest) =>
  r.operation === 'TransactWriteItems' && r.body.includes(`"TableName":"${recordsTable}"`);

/** True for the run ledger's end-of-run update. */
export const endsLedgerEntry = (r: DynamoDbRequest) =>
  r.operation === 'UpdateItem' && r.body.includes('"S":"run#');

export const startsLedgerEntry = (r: DynamoDbRequest) =>
  r.operation === 'PutItem' && r.body.includes('"S":"run#');
