// Builds the sync's collaborators from its configuration, once per container: AWS clients, the cached
// key source, the lock and the stores. The handler and the local stack both call this; they differ
// only in configuration (a secret vs a key file, AWS vs DynamoDB Local endpoints).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedKeySource } from '../app-key/cached-key-source.js';
import { dynamoDbExpiryRecorder } from '../app-key/expiry-record.js';
import { type ExpiryFinding, KeyExpiryReporter } from '../app-key/expiry-report.js';
import { FileKeySource } from '../app-key/file-source.js';
import type { AppKey, KeySource } from '../app-key/key-source.js';
import { SecretsManagerKeySource } from '../app-key/secrets-manager-source.js';
import { askServerForExpiry } from '../app-key/server-expiry.js';
import { endpointTransport } from '../endpoint/proxy-config.js';
import { ThingWorxClient } from '../endpoint/thingworx-client.js';
import { createLeaseLock } from '../lock/lease-lock.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import * as powertools from '../shared/powertools.js';
import { readLastSkew } from './last-skew.js';
import { Quarantine, type RawRowArchive } from './quarantine.js';
import { RecordKeyCutoverStore } from './record-key-cutover.js';
import { RecordsStore } from './records-store.js';
import { RunLedger } from './run-ledger.js';
import { S3RawRowArchive } from './s3-raw-row-archive.js';
import type { SyncConfig } from './sync-config.js';
import type { SyncJobDependencies } from './sync-job.js';
import { streamReader } from './thingworx-source.js';
import { WatermarkStore } from './watermark.js';

export interface SyncDependencyOverrides {
  readonly clock?: Clock;
  readonly metrics?: DimensionedMetricsSink;
  readonly logger?: LogSink;
  readonly documentClient?: DynamoDBDocumentClient;
  readonly keySource?: KeySource;
  /** Where quarantined rows too large for an item go; without one such a row fails the run. */
  readonly rawRowArchive?: RawRowArchive;
}

export function createSyncDependencies(
  config: SyncConfig,
  overrides: SyncDependencyOverrides = {},
): SyncJobDependencies {
  const { tracer } = powertools;
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? powertools.metrics;
  const logger = overrides.logger ?? powertools.logger;
  const documentClient =
    overrides.documentClient ??
    DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
      marshallOptions: { removeUndefinedValues: true },
    });
  const keySource = overrides.keySource ?? new CachedKeySource(keySourceFor(config), { clock });
  // Once per container: the proxy's credentials and the secret's CAs are read per request from the key cache.
  const transport = endpointTransport(config.endpoint.transport, keySource);
  const { controlTable, recordsTable } = config.tables;
  // Once per container: it remembers the server's last answer about the key for the runs that skip.
  const keyExpiry = new KeyExpiryReporter({ clock, metrics, logger });
  const recordExpiry = dynamoDbExpiryRecorder(documentClient, controlTable, config.job, () => clock.nowMs());
  // The job-health check reads the finding from the control table; losing one costs a check, not the run.
  const keepExpiry = async (finding: ExpiryFinding): Promise<void> => {
    try {
      await recordExpiry(finding);
    } catch (error) {
      logger.warn('Could not record the app key expiry for the job-health check', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  // The secret's own keyName wins: a rotation writes it with the key it names.
  const named = (key: AppKey): AppKey =>
    key.keyName === undefined && config.appKeyName ? { ...key, keyName: config.appKeyName } : key;

  return {
    settings: {
      job: config.job,
      controlTable,
      pageSize: config.pageSize,
      overlapMs: config.overlapMs,
      initialStartMs: config.initialStartMs,
      safetyMarginMs: config.safetyMarginMs,
      skewAllowanceCapMs: config.skewAllowanceCapMs,
    },
    lock: createLeaseLock({
      documentClient,
      tableName: controlTable,
      metrics,
      logger,
      clock,
      leaseMarginMs: config.leaseMarginMs,
      minRemainingTimeMs: config.minRemainingTimeMs,
    }),
    watermarks: new WatermarkStore(documentClient, controlTable),
    records: new RecordsStore({
      documentClient,
      tableName: recordsTable,
      ...(config.rejectedRecords === 'quarantine'
        ? {
            rejected: new Quarantine({
              documentClient,
              tableName: controlTable,
              logger,
              ...archiveFor(config, overrides),
            }),
          }
        : {}),
    }),
    recordKeys: new RecordKeyCutoverStore(documentClient, controlTable),
    ledger: new RunLedger(documentClient, controlTable, config.ledgerRetentionDays),
    lastSkew: async () =>
      config.skewTarget
        ? readLastSkew(documentClient, controlTable, config.skewTarget, {
            nowMs: clock.nowMs(),
            maxAgeMs: config.skewMaxAgeMs,
            logger,
          })
        : undefined,
    openSource: async ({ fetchDeadlineMs, skew, onAccessDenied }) => {
      const key = await keySource.get();
      const client = new ThingWorxClient(
        {
          baseUrl: config.endpoint.baseUrl.href,
          keySource,
          deadlineEpochMs: fetchDeadlineMs,
          keyHeaderName: config.endpoint.keyHeader,
          requestTimeoutMs: config.endpoint.requestTimeoutMs,
          ...(skew ? { knownSkewMs: skew.offsetMs } : {}),
          ...(config.skewTarget ? { target: config.skewTarget } : {}),
        },
        {
          clock,
          logger,
          metrics,
          transport,
          onAccessDenied: (diagnosis) => onAccessDenied(diagnosis.cause),
        },
      );
      // The days the key has left, before the first page: from the secret, else from the key's own
      // GetExpirationDate. An expired key is refused by the client before it is sent, and reported like
      // every other denial: `Access denied: expired-key`, AuthFailure, evidence.
      await keepExpiry(
        await keyExpiry.reportForRun(named(key), (keyName) => askServerForExpiry(client, keyName)),
      );
      return streamReader(client, config.endpoint, config);
    },
    publishKeyExpiryOnSkip: async () => {
      await keepExpiry(keyExpiry.reportForSkippedRun(named(await keySource.get())));
    },
    clock,
    metrics,
    logger,
  };
}

function keySourceFor(config: SyncConfig): KeySource {
  if ('file' in config.appKey) return new FileKeySource({ path: config.appKey.file });
  const client = powertools.tracer.captureAWSv3Client(new SecretsManagerClient({}));
  return new SecretsManagerKeySource({ client, secretId: config.appKey.secretId });
}

/** The quarantine's archive for rows too large for an item: the given one, else the configured bucket. */
function archiveFor(config: SyncConfig, overrides: SyncDependencyOverrides): { archive?: RawRowArchive } {
  if (overrides.rawRowArchive) return { archive: overrides.rawRowArchive };
  return config.quarantineBucket ? { archive: new S3RawRowArchive({ bucket: config.quarantineBucket }) } : {};
}
