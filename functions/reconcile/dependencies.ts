// The reconciliation's collaborators, built on the sync's own (functions/sync/dependencies.ts): the same
// lock, records store, key cutover, ledger and source client, so a repair or a backfill writes exactly
// as a sync does. The Lambda and the CLI both call this; they differ only in configuration and overrides.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeaseLock } from '../lock/lease-lock.js';
import type { Clock } from '../shared/clock.js';
import type { LogSink, MetricsSink } from '../shared/observability.js';
import * as powertools from '../shared/powertools.js';
import { createSyncDependencies, type SyncDependencyOverrides } from '../sync/dependencies.js';
import type { RecordReader } from '../sync/paginate.js';
import type { RecordKeyCutoverStore } from '../sync/record-key-cutover.js';
import type { RecordsStore } from '../sync/records-store.js';
import type { RunLedger } from '../sync/run-ledger.js';
import type { SyncConfig } from '../sync/sync-config.js';
import type { WatermarkStore } from '../sync/watermark.js';

export interface ReconcileDependencies {
  readonly job: string;
  readonly controlTable: string;
  readonly recordsTable: string;
  readonly pageSize: number;
  /** Stop fetching this long before the invocation's end, as the sync does. */
  readonly safetyMarginMs: number;
  readonly documentClient: DynamoDBDocumentClient;
  readonly lock: LeaseLock;
  readonly records: RecordsStore;
  readonly recordKeys: Pick<RecordKeyCutoverStore, 'legacyKeysUpToMs'>;
  readonly watermarks: Pick<WatermarkStore, 'read'>;
  readonly ledger: Pick<RunLedger, 'start' | 'end'>;
  /** A reader of the job's source (the app key checked first) whose requests never cross the deadline. */
  readonly openSource: (fetchDeadlineMs: number) => Promise<RecordReader>;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly logger: LogSink;
}

export function createReconcileDependencies(
  config: SyncConfig,
  overrides: SyncDependencyOverrides = {},
): ReconcileDependencies {
  const documentClient =
    overrides.documentClient ??
    DynamoDBDocumentClient.from(powertools.tracer.captureAWSv3Client(new DynamoDBClient({})), {
      marshallOptions: { removeUndefinedValues: true },
    });
  const sync = createSyncDependencies(config, { ...overrides, documentClient });
  return {
    job: config.job,
    controlTable: config.tables.controlTable,
    recordsTable: config.tables.recordsTable,
    pageSize: config.pageSize,
    safetyMarginMs: config.safetyMarginMs,
    documentClient,
    lock: sync.lock,
    records: sync.records,
    recordKeys: sync.recordKeys,
    watermarks: sync.watermarks,
    ledger: sync.ledger,
    openSource: async (fetchDeadlineMs) =>
      sync.openSource({
        fetchDeadlineMs,
        skew: await sync.lastSkew(),
        // The cause is in the client's own log line and AuthFailure metric; an audit keeps no ledger of it.
        onAccessDenied: () => undefined,
      }),
    clock: sync.clock,
    metrics: sync.metrics,
    logger: sync.logger,
  };
}
