// The sync Lambda as Lambda runs it: configuration from the environment at import, middy with
// Powertools, the Scheduler event, real DynamoDB Local and the simulator; every output line captured.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import type { RunSummary } from '../../../functions/sync/sync-job.js';
import { lambdaContext } from '../../../infra/local/lambda-context.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { captureOutput } from '../../support/capture-logs.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<RunSummary>;

describe('sync Lambda handler', () => {
  let sim: ThingWorxSimulator;
  let handler: Handler;
  let appKey: string;
  let keyFile: string;
  let db: LocalDynamoDb;

  beforeAll(async () => {
    db = await freshTables('handler');
    sim = await startThingWorxSimulator({ seed: 3, initialEntries: 250 });
    keyFile = join(mkdtempSync(join(tmpdir(), 'syncwarden-handler-')), 'key.json');
    rotateKey();
    for (const [name, value] of Object.entries({
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      SYNC_JOB_NAME: 'orders',
      CONTROL_TABLE_NAME: db.tables.controlTable,
      RECORDS_TABLE_NAME: db.tables.recordsTable,
      ENDPOINT_BASE_URL: sim.baseUrl,
      ENDPOINT_THING: sim.thing,
      APP_KEY_FILE: keyFile,
    })) {
      vi.stubEnv(name, value);
    }
    vi.resetModules(); // a cold start: the handler reads its configuration when imported
    ({ handler } = (await import('../../../functions/sync/handler.js')) as unknown as { handler: Handler });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sim.stop();
  });

  /** A new key in the key file, as a rotation leaves it: the run after a revoke recovers with it. */
  function rotateKey() {
    appKey = sim.keys.add({ name: `handler-test-${sim.keys.list().length}` }).keyId;
    writeFileSync(keyFile, JSON.stringify({ appKey }));
  }

  let output: ReturnType<typeof captureOutput>;
  afterEach(() => output.restore());

  it('runs the job named in the Scheduler event and publishes its metrics under the Job dimension', async () => {
    output = captureOutput();
    const context = lambdaContext('sync-orders', 60_000);

    const summary = await handler({ job: 'orders' }, context);

    output.restore();
    expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 250, runId: context.awsRequestId });
    const emf = output.jsonLines().find((line) => 'RunSucceeded' in line);
    expect(emf).toMatchObject({ Job: 'orders', service: 'syncwarden', RunSucceeded: 1, RecordsSynced: 250 });
    expect(output.text()).not.toContain(appKey);
  });

  it('logs with the run id as correlation id and never the key', async () => {
    output = captureOutput();
    const context = lambdaContext('sync-orders', 60_000);
    const revokedKey = appKey;
    sim.keys.revoke(revokedKey); // a failing run logs the most

    const error = await handler({ job: 'orders' }, context).then(
      () => undefined,
      (e: unknown) => e,
    );

    rotateKey(); // so the tests after this one (in any order) have a good key again
    output.restore();
    expect(error).toMatchObject({ name: 'AccessDeniedError', reason: 'invalid-key' });
    expect(await ledgerOf(context.awsRequestId)).toMatchObject({
      outcome: 'failed',
      error: { name: 'AccessDeniedError', reason: 'invalid-key' },
      authFailureCauses: ['invalid-key'],
    });
    expect(output.text()).not.toContain(revokedKey);
    const logs = output.jsonLines().filter((line) => 'level' in line);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((line) => line.correlation_id === context.awsRequestId)).toBe(true);
    expect(output.text()).not.toContain(appKey);
  });

  async function ledgerOf(runId: string) {
    const { Items = [] } = await db.documentClient.send(
      new QueryCommand({
        TableName: db.tables.controlTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': controlKeys.jobPartition('orders'), ':run': 'run#' },
      }),
    );
    return Items.find((item) => item.runId === runId);
  }

  it('refuses an event for another job, naming what it expected', async () => {
    output = captureOutput();

    const run = handler({ job: 'invoices' }, lambdaContext('sync-orders', 60_000));

    await expect(run).rejects.toThrow('event.job: expected "orders"');
  });
});
