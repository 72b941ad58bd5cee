// A computed stand-in for the records table in the audit bench: every request is built, signed and sent
// by the real SDK client, and answered here as DynamoDB would for the table the bench fills (one record in
// 1,000 missing, one in 1,000 stale; see audit.bench.ts), computed per request from the entry numbers, so
// it holds nothing in memory. A Query of the table by key range answers up to 1 MB of the whole items it
// reads (their size by DynamoDB's rules, capacity-units.ts), with LastEvaluatedKey as DynamoDB sets it; a
// Query of the sparse index answers nothing, since every key the bench stores starts with its time.
// Why: DynamoDB Local takes tens of minutes to page a million-item partition of an index (measured: a
// 1,000,000-entry audit had not finished after 14 minutes, against 13 s for 100,000), so the
// million-entry memory figure is measured against this, and the stand-in is checked against DynamoDB
// Local at 100,000 entries (same differences found, same request count).
import { Readable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { BENCH_BASE_MS, storedItemOf, storedRecordOf } from './audit-source.js';
import { itemSizeBytes } from './capacity-units.js';

/** What one Query answer holds at most: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html */
const QUERY_ANSWER_BYTES = 1024 * 1024;
const PER_TIMESTAMP = 3;
const STEP_MS = 20;

interface HttpRequestLike {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}
type Handler = { handle(request: HttpRequestLike, options?: unknown): Promise<{ response: unknown }> };

/** The bench's fill rule: entry i is stored unless i % 1000 === 17, with other content if i % 1000 === 517. */
export const isMissing = (i: number) => i % 1000 === 17;
export const isStale = (i: number) => i % 1000 === 517;

export function standInForAuditedTable(client: DynamoDBClient, recordsTable: string, entries: number): void {
  const config = client.config as unknown as { requestHandler: Handler };
  config.requestHandler = {
    async handle(request) {
      const operation = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const raw = request.body;
      const body = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw as Uint8Array).toString());
      const answer =
        operation === 'Query'
          ? query(body, entries)
          : operation === 'BatchGetItem'
            ? batchGet(body, recordsTable, entries)
            : undefined;
      if (!answer) throw new Error(`the audit bench's table stand-in does not answer ${operation}`);
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

type Attribute = { S?: string; N?: string };

function item(pk: string, i: number) {
  const record = storedRecordOf(i, isStale(i));
  return {
    pk: { S: pk },
    sk: { S: record.key },
    sourceTimestamp: { N: String(record.sourceTimestampMs) },
    contentHash: { S: record.contentHash },
  };
}

const firstEntryAt = (ms: number) => Math.max(0, Math.ceil((ms - BENCH_BASE_MS) / STEP_MS)) * PER_TIMESTAMP;

function query(body: Record<string, unknown>, entries: number) {
  if (body.IndexName) return { Items: [], Count: 0, ScannedCount: 0 };
  const values = body.ExpressionAttributeValues as Record<string, Attribute>;
  const pk = values[':pk']?.S as string;
  // The key range (source-time-order.ts): from `<start ms>` to `<end ms>$`.
  const startMs = Number(values[':low']?.S);
  const endMs = Number(String(values[':high']?.S).replace(/\$$/, ''));
  const after = body.ExclusiveStartKey as Record<string, Attribute> | undefined;
  let i = after ? entryOf(after.sk?.S as string) + 1 : firstEntryAt(startMs);
  const end = Math.min(entries, firstEntryAt(endMs + 1));
  const items = [];
  let bytes = 0;
  let last = -1;
  for (; i < end && bytes < QUERY_ANSWER_BYTES; i++) {
    if (isMissing(i)) continue;
    bytes += storedBytes(pk, i);
    items.push(item(pk, i));
    last = i;
  }
  const more = i < end;
  return {
    Items: items,
    Count: items.length,
    ScannedCount: items.length,
    ...(more && last >= 0 ? { LastEvaluatedKey: { pk: item(pk, last).pk, sk: item(pk, last).sk } } : {}),
  };
}

/** What DynamoDB counts of entry i's whole item towards a Query answer's 1 MB. */
function storedBytes(pk: string, i: number): number {
  const marshalled = marshall(storedItemOf(pk.replace(/^job#/, ''), i, isStale(i)));
  return itemSizeBytes(marshalled as unknown as Parameters<typeof itemSizeBytes>[0]);
}

function batchGet(body: Record<string, unknown>, table: string, entries: number) {
  const request = (body.RequestItems as Record<string, { Keys: Record<string, Attribute>[] }>)[table];
  const found = (request?.Keys ?? []).flatMap((key) => {
    const i = entryOf(key.sk?.S as string);
    return i < entries && !isMissing(i) && storedRecordOf(i).key === key.sk?.S
      ? [item(key.pk?.S as string, i)]
      : [];
  });
  return { Responses: { [table]: found }, UnprocessedKeys: {} };
}

/** The entry a record key `<timestamp>#Sensor-<n>` belongs to. */
function entryOf(key: string): number {
  const [timestamp = '', source = ''] = key.split('#');
  const group = (Number(timestamp) - BENCH_BASE_MS) / STEP_MS;
  return group * PER_TIMESTAMP + Number(source.replace('Sensor-', ''));
}
