// The DynamoDB data model in one place: key attribute names and key builders shared by the
// Lambdas, the local stack's table creation and the CDK tables, so they can never disagree.

/** Both tables use a string partition key `pk` and a string sort key `sk`. */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

/** Attribute (epoch seconds) that DynamoDB's TTL deletes expired items by (run ledger items). */
export const TTL_ATTRIBUTE = 'expireAt';

/**
 * Control table: one partition per job (`job#<name>`) holding its lock, watermark and run ledger,
 * and one per skew target (`target#<name>`) holding its last clock measurement.
 * The `job#` prefix lets IAM scope a job's Lambda to its own items (dynamodb:LeadingKeys).
 */
export const controlKeys = {
  jobPartition: (job: string): string => `job#${job}`,
  targetPartition: (target: string): string => `target#${target}`,
  lock: (job: string) => ({ [PARTITION_KEY]: controlKeys.jobPartition(job), [SORT_KEY]: 'lock' }),
  watermark: (job: string) => ({ [PARTITION_KEY]: controlKeys.jobPartition(job), [SORT_KEY]: 'watermark' }),
  /** Since when the job's records carry unambiguous keys (functions/sync/record-key-cutover.ts). */
  recordKeys: (job: string) => ({
    [PARTITION_KEY]: controlKeys.jobPartition(job),
    [SORT_KEY]: 'record-keys',
  }),
  /** What the job's last run found of its app key's expiry (functions/app-key/expiry-record.ts). */
  appKeyExpiry: (job: string) => ({
    [PARTITION_KEY]: controlKeys.jobPartition(job),
    [SORT_KEY]: 'app-key-expiry',
  }),
  /** Ledger sort keys sort by start time, so a Query answers "what happened at 04:00?". */
  runLedger: (job: string, startedAtIso: string, runId: string) => ({
    [PARTITION_KEY]: controlKeys.jobPartition(job),
    [SORT_KEY]: `run#${startedAtIso}#${runId}`,
  }),
  /** Where the scheduled audit left off: its cursor, and the end of the last window it completed. */
  auditState: (job: string) => ({
    [PARTITION_KEY]: controlKeys.jobPartition(job),
    [SORT_KEY]: 'audit-state',
  }),
  lastSkew: (target: string) => ({
    [PARTITION_KEY]: controlKeys.targetPartition(target),
    [SORT_KEY]: 'skew',
  }),
} as const;

/** Records table: one item per source record, partitioned by job, sorted by the record's key. */
export const recordKeys = {
  jobPartition: (job: string): string => `job#${job}`,
  record: (job: string, recordKey: string) => ({
    [PARTITION_KEY]: recordKeys.jobPartition(job),
    [SORT_KEY]: recordKey,
  }),
} as const;

/**
 * The records table's index by source time, for the records whose key does not start with their source
 * time (source-time-order.ts): the job's partition again, sorted by `auditTime` (the record's source time,
 * epoch ms), with only `contentHash` projected beside the keys. Only those records carry `auditTime`, so
 * the index is sparse: with the default key fields no record is in it, and a new record costs one write
 * unit, not two. The audit (functions/reconcile/stored-window.ts) reads a time window from the table by key
 * range and from this index, and merges the two.
 */
export const RECORDS_BY_SOURCE_TIME = {
  indexName: 'byAuditTime',
  sortKey: 'auditTime',
  projected: ['contentHash'],
} as const;

/** Names of the two tables an environment uses. */
export interface TableNames {
  readonly controlTable: string;
  readonly recordsTable: string;
}
