// Reads the records a job holds in a window of source time, oldest first, through the records table's
// index by source time (RECORDS_BY_SOURCE_TIME in functions/shared/tables.ts): a Query on the job's
// partition with a time-range key condition, one answer (up to 1 MB, ~10,000 records of the index's
// ~100 bytes) at a time, so memory stays flat however long the window is. No Scan.
// Query on an index: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Querying
// (index reads are eventually consistent; the audit confirms what it would report, see confirm-suspects.ts).
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, RECORDS_BY_SOURCE_TIME, recordKeys, SORT_KEY } from '../shared/tables.js';

/** A record as the index holds it: enough to compare with a source entry. */
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
  private buffer: IndexedRecord[] = [];
  private next = 0;
  private exclusiveStartKey: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly job: string,
    private readonly startMs: number,
    private readonly endMs: number,
    private readonly reads: ReadCounter,
  ) {}

  /** Removes and returns every record up to `throughMs` (inclusive), in source-time order. */
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
      new QueryCommand({
        TableName: this.tableName,
        IndexName: RECORDS_BY_SOURCE_TIME.indexName,
        KeyConditionExpression: '#pk = :pk AND #ts BETWEEN :start AND :end',
        ExpressionAttributeNames: {
          '#pk': PARTITION_KEY,
          '#ts': RECORDS_BY_SOURCE_TIME.sortKey,
          '#sk': SORT_KEY,
          '#hash': 'contentHash',
        },
        ExpressionAttributeValues: {
          ':pk': recordKeys.jobPartition(this.job),
          ':start': this.startMs,
          ':end': this.endMs,
        },
        ProjectionExpression: '#sk, #ts, #hash',
        ExclusiveStartKey: this.exclusiveStartKey,
      }),
    );
    this.buffer = (answer.Items ?? []).map((item) => ({
      key: String(item[SORT_KEY]),
      sourceTimestampMs: Number(item[RECORDS_BY_SOURCE_TIME.sortKey]),
      contentHash: String(item.contentHash),
    }));
    this.next = 0;
    this.exclusiveStartKey = answer.LastEvaluatedKey;
    this.done = answer.LastEvaluatedKey === undefined;
  }
}
