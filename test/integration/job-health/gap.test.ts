// The gap, seen by the job-health check against DynamoDB Local: the watermark-stalled problem fires for a
// job that never runs, whose runs all fail, or whose runs all "succeed" without moving what the table is
// complete up to, and stays quiet for a quiet stream whose runs keep catching up. Ledger items are written
// by the sync's own RunLedger; the watermark item in the shape WatermarkStore commits it.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { runJobHealthCheck } from '../../../functions/job-health/check.js';
import type { JobHealthConfig } from '../../../functions/job-health/health-config.js';
import { decodeProblems, type JobHealthRules } from '../../../functions/job-health/problems.js';
import { JobHealthMetric } from '../../../functions/job-health/publish.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { RunLedger } from '../../../functions/sync/run-ledger.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

const MINUTE = 60_000;
const INTERVAL_MINUTES = 60;
const T0 = Date.parse('2026-12-01T00:00:00Z');
/** 2 intervals + the 5-minute overlap: the stalled limit of these jobs. */
const LIMIT_MS = 2 * INTERVAL_MINUTES * MINUTE + 5 * MINUTE;

let db: LocalDynamoDb;
beforeAll(async () => {
  db = await freshTables('job-health');
});

function rules(name: string): JobHealthRules {
  return {
    name,
    intervalMinutes: INTERVAL_MINUTES,
    overlapMs: 5 * MINUTE,
    timeoutSeconds: 600,
    keyExpiryAlarmDays: 7,
    initialStartMs: T0,
  };
}

async function problemsAt(job: string, nowMs: number): Promise<string[]> {
  const config: JobHealthConfig = { controlTable: db.tables.controlTable, group: '7', jobs: [rules(job)] };
  const metrics = new RecordingMetrics();
  await runJobHealthCheck(config, {
    documentClient: db.documentClient,
    metrics,
    logger: new RecordingLogger(),
    clock: new ManualClock(nowMs),
  });
  const [published] = metrics.named(JobHealthMetric.jobProblems);
  expect(published?.dimensions).toEqual({ Job: job });
  return decodeProblems(published?.value ?? Number.NaN);
}

async function commitWatermark(job: string, timestampMs: number): Promise<void> {
  await db.documentClient.send(
    new PutCommand({
      TableName: db.tables.controlTable,
      Item: { ...controlKeys.watermark(job), timestampMs, key: 'k-1' },
    }),
  );
}

/** One run an interval, from T0 on, each ended as `end` says. */
async function runsEveryInterval(
  job: string,
  count: number,
  end: (startedAtMs: number) => Parameters<RunLedger['end']>[1],
): Promise<void> {
  const ledger = new RunLedger(db.documentClient, db.tables.controlTable, 30);
  for (let index = 0; index < count; index += 1) {
    const startedAtMs = T0 + index * INTERVAL_MINUTES * MINUTE;
    const run = { job, runId: `run-${index}`, startedAtMs };
    await ledger.start(run);
    await ledger.end(run, end(startedAtMs));
  }
}

describe('the watermark-stalled problem (the gap)', () => {
  it('fires for a job that never runs, once 2 intervals + overlap have passed since its start', async () => {
    expect(await problemsAt('never-runs', T0 + LIMIT_MS - MINUTE)).toEqual([]);
    expect(await problemsAt('never-runs', T0 + LIMIT_MS + MINUTE)).toEqual(['watermark-stalled']);
  });

  it('fires for a job whose runs all fail, beside run-failed', async () => {
    await commitWatermark('always-fails', T0);
    await runsEveryInterval('always-fails', 3, (startedAtMs) => ({
      outcome: 'failed',
      endedAtMs: startedAtMs + MINUTE,
      watermarkBefore: { timestampMs: T0, key: 'k-1' },
      error: { name: 'EndpointError', message: 'HTTP 503' },
    }));

    const problems = await problemsAt('always-fails', T0 + LIMIT_MS + MINUTE);

    expect(problems).toEqual(['watermark-stalled', 'run-failed']);
  });

  it('fires for a job whose runs all succeed without moving the watermark', async () => {
    await commitWatermark('never-moves', T0);
    await runsEveryInterval('never-moves', 3, (startedAtMs) => ({
      outcome: 'succeeded',
      endedAtMs: startedAtMs + 5 * MINUTE,
      watermarkBefore: { timestampMs: T0, key: 'k-1' },
      watermarkAfter: { timestampMs: T0, key: 'k-1' },
      caughtUp: false,
      windowEndMs: startedAtMs + 5 * MINUTE,
      runsBehindInARow: 1,
    }));

    expect(await problemsAt('never-moves', T0 + LIMIT_MS + MINUTE)).toEqual(['watermark-stalled']);
  });

  it('stays quiet for a quiet stream: runs that catch up move what the table is complete up to, not the watermark', async () => {
    await commitWatermark('quiet-stream', T0);
    await runsEveryInterval('quiet-stream', 3, (startedAtMs) => ({
      outcome: 'succeeded',
      endedAtMs: startedAtMs + MINUTE,
      watermarkBefore: { timestampMs: T0, key: 'k-1' },
      watermarkAfter: { timestampMs: T0, key: 'k-1' },
      caughtUp: true,
      windowEndMs: startedAtMs + MINUTE,
      runsBehindInARow: 0,
    }));

    expect(await problemsAt('quiet-stream', T0 + LIMIT_MS + MINUTE)).toEqual([]);
  });
});
