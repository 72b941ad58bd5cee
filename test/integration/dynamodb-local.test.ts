import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { controlKeys } from '../../functions/shared/tables.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import {
  createTables,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb-local.js';
import { freshTables } from '../support/dynamodb.js';
import { stopsAnswering } from '../support/endpoint-probe.js';

describe('DynamoDB Local harness', () => {
  it('creates the control and records tables with the pk/sk key schema and a TTL on the control table', async () => {
    const db = await freshTables('harness');

    const control = await db.client.send(new DescribeTableCommand({ TableName: db.tables.controlTable }));
    const records = await db.client.send(new DescribeTableCommand({ TableName: db.tables.recordsTable }));
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: db.tables.controlTable }));

    for (const table of [control.Table, records.Table]) {
      expect(table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
    }
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expireAt');
  });

  it('treats creating tables that already exist as done, keeping their items', async () => {
    const db = await freshTables('harness');
    await db.documentClient.send(
      new PutCommand({ TableName: db.tables.controlTable, Item: { ...controlKeys.watermark('j'), ts: 1 } }),
    );

    await createTables(db.client, db.tables);

    const kept = await db.documentClient.send(
      new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.watermark('j') }),
    );
    expect(kept.Item?.ts).toBe(1);
  });

  // A records table kept in .syncwarden/ by an earlier `npm start`, with the audit's earlier, dense index.
  // It gets an emulator of its own: on the suite's shared one, busy with every other file's
  // writes, DynamoDB Local took over 30 s to settle the two index changes (CI, stop 22).
  it("swaps a kept records table's dense bySourceTime index for the sparse byAuditTime, keeping its items", async () => {
    const emulator = await startDynamoDbLocal();
    const client = new DynamoDBClient(localDynamoDbClientConfig(emulator.endpoint));
    const tables = { controlTable: 'legacy-control', recordsTable: 'legacy-records' };
    try {
      await swapsTheLegacyIndex(client, tables);
    } finally {
      client.destroy();
      await emulator.stop();
    }
  }, 90_000);

  async function swapsTheLegacyIndex(
    client: DynamoDBClient,
    tables: { controlTable: string; recordsTable: string },
  ): Promise<void> {
    await client.send(
      new CreateTableCommand({
        TableName: tables.recordsTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'sourceTimestamp', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'bySourceTime',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sourceTimestamp', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['contentHash'] },
          },
        ],
      }),
    );
    const documentClient = DynamoDBDocumentClient.from(client);
    const record = { pk: 'job#j', sk: '1700000000000#a', sourceTimestamp: 1_700_000_000_000 };
    await documentClient.send(new PutCommand({ TableName: tables.recordsTable, Item: record }));

    await createTables(client, tables);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tables.recordsTable }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byAuditTime']);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'auditTime', KeyType: 'RANGE' },
    ]);
    const kept = await documentClient.send(
      new GetCommand({ TableName: tables.recordsTable, Key: { pk: record.pk, sk: record.sk } }),
    );
    expect(kept.Item).toEqual(record);
  }

  // npm start's emulator, out of the terminal's process group (a Ctrl-C must not stop it under a run),
  // must not outlive the process that started it when that one exits without stopping it.
  it('in a process group of its own, still stops when the process that started it exits', async () => {
    const endpoint = await emulatorOfAChildThat('process.exit(3);');

    expect(await stopsAnswering(endpoint)).toBe(true);
  }, 90_000);

  it('in a process group of its own, still stops when the process that started it is SIGKILLed', async () => {
    const endpoint = await emulatorOfAChildThat('process.kill(process.pid, "SIGKILL");');

    expect(await stopsAnswering(endpoint)).toBe(true);
  }, 90_000);

  it('keeps data across a restart when given a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syncwarden-ddb-'));
    const tables = { controlTable: 'persist-control', recordsTable: 'persist-records' };
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const firstClient = new DynamoDBClient(localDynamoDbClientConfig(first.endpoint));
      await createTables(firstClient, tables);
      await DynamoDBDocumentClient.from(firstClient).send(
        new PutCommand({ TableName: tables.controlTable, Item: { ...controlKeys.watermark('j'), ts: 42 } }),
      );
      firstClient.destroy();
      await first.stop();

      const second = await startDynamoDbLocal({ dataDir });
      const secondClient = new DynamoDBClient(localDynamoDbClientConfig(second.endpoint));
      const kept = await DynamoDBDocumentClient.from(secondClient).send(
        new GetCommand({ TableName: tables.controlTable, Key: controlKeys.watermark('j') }),
      );
      secondClient.destroy();
      await second.stop();

      expect(kept.Item?.ts).toBe(42);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Starts DynamoDB Local in its own process group from a child process, which then runs `end` (exits or is
 * killed) without stopping it; returns the emulator's endpoint once the child is gone.
 */
async function emulatorOfAChildThat(end: string): Promise<string> {
  const script = `import { startDynamoDbLocal } from './infra/local/dynamodb-local.ts';
process.on('SIGTERM', () => process.exit(143)); // the test's time limit: exit, so the emulator goes too
const emulator = await startDynamoDbLocal({ ownProcessGroup: true });
console.log(emulator.endpoint);
${end}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const limit = setTimeout(() => child.kill('SIGTERM'), 60_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(limit);
  const endpoint = stdout.trim();
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) throw new Error(`no endpoint printed: ${endpoint}`);
  return endpoint;
}
