// Reads the records a job holds in a window of source time, oldest first, from two places, each a Query
// on the job's partition with a range key condition, one answer (up to 1 MB) at a time, so memory stays
// flat however long the window is. No Scan.
// - The table itself, by key range, for the records whose key starts with their source time (the default
//   key fields): the table's sort order is then source-time order (functions/shared/source-time-order.ts).
//   A Query bills the whole items it reads, 0.5 read units per 4 KB, about 1,000 records of 1 KB a call.
// - The index by source time (RECORDS_BY_SOURCE_TIME), which holds only the other records: about 10,000
//   of its ~100-byte items a call, and one empty answer when there are none.
// Query: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html (1 MB per answer,
// read units by the size of the items read); on an index:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Querying
// Both reads are eventually consistent; the audit confirms what it would report (confirm-suspects.ts).
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { keySortsBySourceTime, sourceTimeKeyRange } from '../shared/source-time-order.js';
import { PARTITION_KEY, RECORDS_BY_SOURCE_TIME, recordKeys, SORT_KEY } from '../shared/tables.js';

/** A record as the audit compares it with a source entry. */
export interface IndexedRecord {
  readonly key: string;
  readonly sourceTimestampMs: number;
  readonly contentHash: string;
}

/** Counts the DynamoDB requests an audit makes, for its report and the bench. */
export interface ReadCounter {
  readRequests: number;
}

/**
 * The job's records with source time in [startMs, endMs] (inclusive), ordered by source time (records of
 * one time in no particular order), pulled one Query answer at a time as the caller asks for them.
 */
export class StoredWindow {
  private readonly sources: QueryPages[];

  constructor(
    documentClient: DynamoDBDocumentClient,
    tableName: string,
    job: string,
    startMs: number,
    endMs: number,
    reads: ReadCounter,
  ) {
    const partition = recordKeys.jobPartition(job);
    const keyRange = sourceTimeKeyRange(startMs, endMs);
    this.sources = [
      ...(keyRange
        ? [
            new QueryPages(
              documentClient,
              reads,
              tableKeyRangeQuery(tableName, partition, keyRange),
              (item) => {
                const record = recordOf(item, Number(item.sourceTimestamp));
                // The range also holds keys that only look timed (`17000000000001`): those are in the index.
                return keySortsBySourceTime(record.key, record.sourceTimestampMs) ? record : undefined;
              },
            ),
          ]
        : []),
      new QueryPages(documentClient, reads, indexQuery(tableName, partition, startMs, endMs), (item) =>
        recordOf(item, Number(item[RECORDS_BY_SOURCE_TIME.sortKey])),
      ),
    ];
  }

  /** Removes and returns every record up to `throughMs` (inclusive), in source-time order. */
  async takeThrough(throughMs: number): Promise<IndexedRecord[]> {
    const taken: IndexedRecord[] = [];
    for (const source of this.sources) taken.push(...(await source.takeThrough(throughMs)));
    // Each source is in order already; a stable sort merges the two (and leaves one source as it is).
    return taken.sort((a, b) => a.sourceTimestampMs - b.sourceTimestampMs);
  }
}

type Item = Record<string, unknown>;

const recordOf = (item: Item, sourceTimestampMs: number): IndexedRecord => ({
  key: String(item[SORT_KEY]),
  sourceTimestampMs,
  contentHash: String(item.contentHash),
});

function tableKeyRangeQuery(
  tableName: string,
  partition: string,
  range: { low: string; high: string },
): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
    ExpressionAttributeNames: {
      '#pk': PARTITION_KEY,
      '#sk': SORT_KEY,
      '#ts': 'sourceTimestamp',
      '#hash': 'contentHash',
    },
    ExpressionAttributeValues: { ':pk': partition, ':low': range.low, ':high': range.high },
    ProjectionExpression: '#sk, #ts, #hash',
  };
}

function indexQuery(tableName: string, partition: string, startMs: number, endMs: number): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: RECORDS_BY_SOURCE_TIME.indexName,
    KeyConditionExpression: '#pk = :pk AND #ts BETWEEN :start AND :end',
    ExpressionAttributeNames: {
      '#pk': PARTITION_KEY,
      '#ts': RECORDS_BY_SOURCE_TIME.sortKey,
      '#sk': SORT_KEY,
      '#hash': 'contentHash',
    },
    ExpressionAttributeValues: { ':pk': partition, ':start': startMs, ':end': endMs },
    ProjectionExpression: '#sk, #ts, #hash',
  };
}

/** One Query's records, in the Query's order, read an answer at a time; `toRecord` drops what it returns undefined for. */
class QueryPages {
  private buffer: IndexedRecord[] = [];
  private next = 0;
  private exclusiveStartKey: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly reads: ReadCounter,
    private readonly query: QueryCommandInput,
    private readonly toRecord: (item: Item) => IndexedRecord | undefined,
  ) {}

  async takeThrough(throughMs: number): Promise<IndexedRecord[]> {
    const taken: IndexedRecord[] = [];
    for (;;) {
      while (this.next < this.buffer.length) {
        const record = this.buffer[this.next] as IndexedRecord;
        if (record.sourceTimestampMs > throughMs) return taken;
        taken.push(record);
        this.next++;
      }
      if (this.done) return taken;
      await this.readMore();
    }
  }

  private async readMore(): Promise<void> {
    this.reads.readRequests++;
    const answer = await this.documentClient.send(
      new QueryCommand({ ...this.query, ExclusiveStartKey: this.exclusiveStartKey }),
    );
    this.buffer = [];
    for (const item of answer.Items ?? []) {
      const record = this.toRecord(item);
      if (record) this.buffer.push(record);
    }
    this.next = 0;
    this.exclusiveStartKey = answer.LastEvaluatedKey;
    this.done = answer.LastEvaluatedKey === undefined;
  }
}
