// The job-health Lambda as deployed, against DynamoDB Local: a cold start reads the environment the stack
// writes (infra/aws/job-health-check.ts), each invocation checks every job of the group and says how many
// have a problem.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { controlKeys } from '../../../functions/shared/tables.js';
import { lambdaContext } from '../../../infra/local/lambda-context.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ problems: number }>;

describe('job-health Lambda handler', () => {
  let db: LocalDynamoDb;
  let handler: Handler;

  beforeAll(async () => {
    db = await freshTables('job-health-handler');
    const rules = (name: string) => ({
      name,
      intervalMinutes: 240,
      overlapMs: 300_000,
      timeoutSeconds: 300,
      keyExpiryAlarmDays: 7,
      initialStartMs: 0,
    });
    for (const [name, value] of Object.entries({
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      CONTROL_TABLE_NAME: db.tables.controlTable,
      JOB_HEALTH_GROUP: '4',
      JOB_HEALTH_JOBS: JSON.stringify([rules('current'), rules('never-ran')]),
    })) {
      vi.stubEnv(name, value);
    }
    // 'current' committed a watermark a minute ago; 'never-ran' has nothing since the epoch.
    await db.documentClient.send(
      new PutCommand({
        TableName: db.tables.controlTable,
        Item: { ...controlKeys.watermark('current'), timestampMs: Date.now() - 60_000, key: 'k' },
      }),
    );
    vi.resetModules(); // a cold start: the handler reads its configuration when imported
    ({ handler } = (await import('../../../functions/job-health/handler.js')) as unknown as {
      handler: Handler;
    });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('checks every job of its group and counts those with a problem', async () => {
    const answer = await handler({}, lambdaContext('syncwarden-job-health-4', 60_000));

    expect(answer).toEqual({ problems: 1 });
  });
});
