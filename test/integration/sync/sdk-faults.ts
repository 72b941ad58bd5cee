// Faults DynamoDB Local never makes, injected at the SDK middleware of a test's client: statements of a
// batch refused for conflicts or throttling, a write refused outright, an answer lost after the write
// landed.
// Requests are matched on the HTTP request the SDK built (its X-Amz-Target and JSON body), so the
// document client's commands and the base client's are seen alike.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

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

/**
 * Before a matching request is sent, answers it with `makeOutput(request)` instead, as a 200: how
 * DynamoDB refuses statements of a BatchExecuteStatement one by one. Nothing reaches DynamoDB.
 */
export function answerWithoutSending(
  client: DynamoDBClient,
  name: string,
  decide: Fault,
  makeOutput: (request: DynamoDbRequest) => Record<string, unknown>,
) {
  const state = { answered: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = describe(args.request as HttpLike);
      if (decide(request) === 'pass') return next(args);
      state.answered += 1;
      return {
        response: { statusCode: 200 },
        output: { ...makeOutput(request), $metadata: { httpStatusCode: 200 } },
      };
    },
    { step: 'build', name },
  );
  return state;
}

/** A BatchExecuteStatement answer refusing every statement with `code` (e.g. ThrottlingError). */
export function refusedStatements(request: DynamoDbRequest, code: string) {
  const statements = (JSON.parse(request.body) as { Statements?: unknown[] }).Statements ?? [];
  return { Responses: statements.map(() => ({ Error: { Code: code, Message: `simulated ${code}` } })) };
}

type MarshalledKey = Record<'pk' | 'sk', { S: string }>;

/**
 * A BatchGetItem answer that processes none of the request's keys. An answer given before sending skips
 * the document client's unmarshalling too, so the keys are given as it would have made them.
 */
export function nothingProcessed(request: DynamoDbRequest) {
  const { RequestItems } = JSON.parse(request.body) as {
    RequestItems: Record<string, { Keys: MarshalledKey[] }>;
  };
  const [table, { Keys }] = Object.entries(RequestItems)[0] as [string, { Keys: MarshalledKey[] }];
  return { UnprocessedKeys: { [table]: { Keys: Keys.map(({ pk, sk }) => ({ pk: pk.S, sk: sk.S })) } } };
}

/** Each INSERT statement of the batch refused with the next of `codes`, with no message. */
export function refusedOneByOne(request: DynamoDbRequest, codes: readonly string[]) {
  const statements = (JSON.parse(request.body) as { Statements: unknown[] }).Statements;
  return { Responses: statements.map((_, i) => ({ Error: { Code: codes[i % codes.length] } })) };
}

/** An error as DynamoDB's answer makes it: named, with the response's metadata. */
export const serviceError = (name: string) =>
  Object.assign(new Error(`simulated ${name}`), { name, $metadata: { httpStatusCode: 400 } });

/** Answers the first `times` requests of `operation` with `answer`; the rest go to DynamoDB. */
export function firstAnswers(
  client: DynamoDBClient,
  operation: string,
  times: number,
  answer: (request: DynamoDbRequest) => Record<string, unknown>,
) {
  let left = times;
  return answerWithoutSending(
    client,
    `answer-${operation}`,
    (r) => (r.operation === operation && left-- > 0 ? 'fail' : 'pass'),
    answer,
  );
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

/** True for a batch of INSERTs of records into `recordsTable` (records-store.ts). */
export const insertsRecords = (recordsTable: string) => (r: DynamoDbRequest) =>
  r.operation === 'BatchExecuteStatement' && r.body.includes(`INSERT INTO \\"${recordsTable}\\"`);

/** True for the run ledger's end-of-run update. */
export const endsLedgerEntry = (r: DynamoDbRequest) =>
  r.operation === 'UpdateItem' && r.body.includes('"S":"run#');

export const startsLedgerEntry = (r: DynamoDbRequest) =>
  r.operation === 'PutItem' && r.body.includes('"S":"run#');
