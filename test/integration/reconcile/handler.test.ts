// The reconciliation Lambda as Lambda runs it: configuration from the environment at import, middy with
// Powertools, the Scheduler event, DynamoDB Local and the simulator; its metrics read from the EMF lines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { midnightBefore } from '../../../functions/reconcile/audit-day.js';
import type { ScheduledAuditResult } from '../../../functions/reconcile/scheduled-audit.js';
import { lambdaContext } from '../../../infra/local/lambda-context.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { captureOutput } from '../../support/capture-logs.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<ScheduledAuditResult>;

// The tests share one fixture and build on what the one before left: they run in order.
describe('reconciliation Lambda handler', { shuffle: false }, () => {
  let sim: ThingWorxSimulator;
  let db: LocalDynamoDb;
  let handler: Handler;
  let appKey: string;
  let output: ReturnType<typeof captureOutput>;
  const midnight = midnightBefore(Date.now(), 'UTC');

  beforeAll(async () => {
    db = await freshTables('reconcile-handler');
    sim = await startThingWorxSimulator({ seed: 5 });
    // Yesterday's entries, none of them synced: the audit finds them all missing and repairs them.
    sim.stream.generate(120, { fromMs: midnight - 10 * 3_600_000, toMs: midnight - 3_600_000 });
    appKey = sim.keys.add({ name: 'reconcile-handler' }).keyId;
    const keyFile = join(mkdtempSync(join(tmpdir(), 'syncwarden-reconcile-')), 'key.json');
    writeFileSync(keyFile, JSON.stringify({ appKey }));
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
    ({ handler } = (await import('../../../functions/reconcile/handler.js')) as unknown as {
      handler: Handler;
    });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sim.stop();
  });
  afterEach(() => output?.restore());

  it('audits and repairs the previous day, publishing its metrics with the job as a property, not a dimension', async () => {
    output = captureOutput();

    const result = await handler({ job: 'orders' }, lambdaContext('reconcile-orders', 60_000));

    output.restore();
    expect(result).toMatchObject({
      outcome: 'audited',
      complete: true,
      window: { fromMs: midnight - 86_400_000 - 300_000, toMs: midnight },
      found: { missing: 120, stale: 0, extra: 0, repaired: 120 },
    });
    const emf = output.jsonLines().find((line) => 'RecordsMissing' in line);
    expect(emf).toMatchObject({ Job: 'orders', RecordsMissing: 120, RecordsRepaired: 120, RecordsStale: 0 });
    const dimensions = (emf as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } })._aws
      .CloudWatchMetrics[0]?.Dimensions;
    expect(dimensions?.flat()).not.toContain('Job');
    expect(output.jsonLines().some((line) => 'ColdStart' in line)).toBe(false);
    expect(output.text()).not.toContain(appKey);
  });

  it('has nothing to do once the day is audited, but still reports its lag', async () => {
    output = captureOutput();

    const result = await handler({ job: 'orders' }, lambdaContext('reconcile-orders', 60_000));

    output.restore();
    expect(result.outcome).toBe('up-to-date');
    const emf = output.jsonLines().find((line) => 'AuditLagSeconds' in line);
    expect(emf?.AuditLagSeconds).toBeLessThan(86_400);
    expect(emf).not.toHaveProperty('RecordsMissing');
  });

  it('refuses an event for another job', async () => {
    output = captureOutput();

    await expect(handler({ job: 'invoices' }, lambdaContext('reconcile-orders', 60_000))).rejects.toThrow(
      'event.job: expected "orders"',
    );
  });
});
