// `syncwarden status` and `syncwarden runs` with --local, against a ledger, lock, watermark and skew item
// written by real sync runs (and the real skew store) on DynamoDB Local and the simulator.
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkewMeasurement } from '../../../functions/clock-skew/measure.js';
import { SkewStore } from '../../../functions/clock-skew/skew-store.js';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { AuditStateStore } from '../../../functions/reconcile/audit-state.js';
import { type LedgerRun, readLedgerRuns } from '../../../functions/sync/run-ledger.js';
import { formatInstant } from '../../../infra/cli/operator-output.js';
import { localDynamoDbClientConfig } from '../../../infra/local/dynamodb-local.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { liveStateDirFor, runCli } from './support.js';

const SKEW_TARGET = 'cli-endpoint';
let h: SyncHarness;
let env: NodeJS.ProcessEnv;
let appKey: string;

beforeAll(async () => {
  h = await startSyncHarness('cli-status', { env: { SKEW_TARGET } });
  const nowMs = h.sim.clock.nowMs();
  h.sim.stream.generate(300, { fromMs: nowMs - 3_600_000, toMs: nowMs - 60_000 });
  await h.run();
  h.sim.stream.generate(50, { fromMs: nowMs - 50_000, toMs: nowMs - 1_000 });
  await h.run();
  // A third run that fails: the key is revoked on the server (401, an Access Denied with a cause).
  h.sim.keys.revoke(h.sim.keys.list()[0]?.name as string);
  await h.run().catch(() => undefined);
  await new SkewStore(h.db.documentClient, h.db.tables.controlTable).record(
    { name: SKEW_TARGET, url: new URL(h.sim.baseUrl), toleranceMs: 5_000 },
    {
      outcome: 'measured',
      target: SKEW_TARGET,
      measuredAt: new Date().toISOString(),
      requests: 11,
      method: 'HEAD',
      minRoundTripMs: 0.4,
      offsetMs: 2.5,
      boundMs: 1.25,
      absOffsetUpperMs: 3.75,
      overTolerance: false,
      dateInconsistent: false,
      suspectedTimezone: false,
      measurementFailed: false,
    } satisfies SkewMeasurement,
    Date.now(),
  );
  env = { SYNCWARDEN_STATE_DIR: liveStateDirFor(h, SKEW_TARGET) };
  appKey = JSON.parse(readFileSync(h.keyFile, 'utf8')).appKey;
});

afterAll(async () => {
  await h?.close();
});

const ledger = async () => (await h.ledgerItems()).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));

// The tests share one fixture and build on what the one before left: they run in order.
describe('syncwarden status --local', { shuffle: false }, () => {
  it('reports the watermark, the last run and the skew item the runs and the monitor wrote', async () => {
    const result = await runCli(['status', '--local', '--json'], env);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout);
    const [job] = report.jobs;
    const watermark = await h.watermark();
    const items = await ledger();
    const newest = items.at(-1) as Record<string, unknown>;
    expect(job.job).toBe(h.job);
    expect(job.watermark).toMatchObject({ timestampMs: watermark?.timestampMs, key: watermark?.key });
    expect(job.lastRun).toMatchObject({ runId: newest.runId, outcome: 'failed' });
    expect(job.lastSucceededRun).toMatchObject({ runId: items[1]?.runId, outcome: 'succeeded' });
    expect(job.lock.state).toBe('free');
    expect(job.lock.fence).toBe(newest.fence ?? items[1]?.fence);
    expect(job.skew).toMatchObject({ target: SKEW_TARGET, offsetMs: 2.5, boundMs: 1.25 });
  });

  it('prints them for people, with the failed run’s cause and error', async () => {
    const result = await runCli(['status', '--local'], env);

    const watermark = await h.watermark();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`job ${h.job}`);
    expect(result.stdout).toContain(`${new Date(watermark?.timestampMs ?? 0).toISOString().slice(0, 19)}Z`);
    expect(result.stdout).toMatch(/last run\s+failed .*AccessDeniedError/);
    expect(result.stdout).toMatch(/last success\s+succeeded .*50 records written/);
    expect(result.stdout).toMatch(/clock skew\s+target cli-endpoint: \+2\.5 ms ± 1\.3 ms/);
  });

  it('shows the holder of a running lease, and a lease that ran out without a release as expired', async () => {
    const lock = createLeaseLock({
      documentClient: h.db.documentClient,
      tableName: h.db.tables.controlTable,
      metrics: new RecordingMetrics(),
      logger: new RecordingLogger(),
    });
    const acquired = await lock.acquire(h.job, { requestId: 'cli-test-held', remainingTimeMs: 600_000 });
    if (acquired.status !== 'acquired') throw new Error('the lock should have been free');

    const held = JSON.parse((await runCli(['status', '--local', '--json'], env)).stdout).jobs[0].lock;
    expect(held).toMatchObject({ state: 'held', owner: acquired.lease.owner, fence: acquired.lease.fence });

    // A holder whose clock ran 20 minutes behind: its lease ended in the past, as a crashed run's does.
    await lock.release(acquired.lease);
    const behind = createLeaseLock({
      documentClient: h.db.documentClient,
      tableName: h.db.tables.controlTable,
      metrics: new RecordingMetrics(),
      logger: new RecordingLogger(),
      clock: { nowMs: () => Date.now() - 1_200_000 },
    });
    const crashed = await behind.acquire(h.job, { requestId: 'cli-test-crashed', remainingTimeMs: 60_000 });
    if (crashed.status !== 'acquired') throw new Error('the lock should have been free');
    const text = (await runCli(['status', '--local'], env)).stdout;
    expect(text).toMatch(new RegExp(`lock\\s+EXPIRED: held by ${crashed.lease.owner.replace('#', '\\#')}`));
    await behind.release(crashed.lease);
  });

  it('says where the scheduled audit stands: never run, a window in progress, the last one completed', async () => {
    const audits = new AuditStateStore(h.db.documentClient, h.db.tables.controlTable);
    const auditLine = async () =>
      /\n {2}audit {8}(.*)/.exec((await runCli(['status', '--local'], env)).stdout)?.[1];
    const dayMs = 86_400_000;
    const today = Math.floor(Date.now() / dayMs) * dayMs;

    expect(await auditLine()).toBe(
      "none recorded (the job's scheduled audit is off or has not run yet; npm start has none)",
    );

    await audits.save(
      h.job,
      { inProgress: { fromMs: today - dayMs, toMs: today, cursor: 'c1' } },
      Date.now(),
    );
    expect(await auditLine()).toMatch(
      new RegExp(
        `^no window completed yet \\(first run [\\d.]+ m?s ago\\); \\[${iso(today - dayMs)}, ${iso(today)}\\) in progress, going on at the next invocation$`,
      ),
    );

    const completedAtMs = Date.now() - 7_200_000;
    await audits.save(
      h.job,
      {
        lastCompletedWindowEndMs: today,
        lastCompleted: { atMs: completedAtMs, leftAfterRepair: 3, repaired: 2 },
      },
      Date.now(),
    );
    expect(await auditLine()).toBe(
      `window to ${iso(today)} completed 2.0 h ago: 2 records repaired, 3 MISSING or stale left after its repair`,
    );
    const json = JSON.parse((await runCli(['status', '--local', '--json'], env)).stdout);
    expect(json.jobs[0].audit).toEqual({
      lastCompletedWindowEndMs: today,
      lastCompleted: { atMs: completedAtMs, leftAfterRepair: 3, repaired: 2 },
      firstSavedAtMs: expect.any(Number),
    });
  });
});

const iso = formatInstant;

// The tests share one fixture and build on what the one before left: they run in order.
describe('syncwarden runs --local', { shuffle: false }, () => {
  it('lists every run of the ledger, newest first, as the ledger holds it', async () => {
    const result = await runCli(['runs', '--local', '--job', h.job, '--json'], env);

    expect(result.code).toBe(0);
    const runs = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LedgerRun);
    const items = await ledger();
    expect(runs.map((run) => run.runId)).toEqual(items.map((item) => item.runId).reverse());
    expect(runs.map((run) => run.outcome)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(runs[1]?.recordsWritten).toBe(items[1]?.recordsWritten);
  });

  it('keeps to the runs started since --since, by the ledger’s start times', async () => {
    const items = await ledger();
    const second = String(items[1]?.startedAt);

    const result = await runCli(['runs', '--local', '--since', second, '--json'], env);

    const runIds = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).runId);
    expect(runIds).toEqual([items[2]?.runId, items[1]?.runId]);
  });

  it('shows only failed runs with --failed, with their causes and error in the table', async () => {
    const result = await runCli(['runs', '--local', '--failed'], env);

    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').slice(3);
    expect(rows).toHaveLength(1);
    const [failed] = (await ledger()).filter((item) => item.outcome === 'failed');
    const causes = failed?.authFailureCauses as string[];
    const error = failed?.error as { message: string };
    expect(causes.length).toBeGreaterThan(0);
    expect(rows[0]).toContain('failed');
    expect(rows[0]).toContain(causes.join(','));
    expect(rows[0]).toContain(error.message);
  });

  it('refuses an unknown job, naming the known ones', async () => {
    const result = await runCli(['runs', '--local', '--job', 'no-such-job'], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown job "no-such-job"');
    expect(result.stderr).toContain(`its jobs: ${h.job}`);
  });

  it('refuses a --since it cannot read, saying what it takes', async () => {
    const result = await runCli(['runs', '--local', '--since', 'yesterday'], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--since: expected an ISO-8601 time .* got "yesterday"/);
  });
});

// The tests share one fixture and build on what the one before left: they run in order.
describe('the operator commands and the key', { shuffle: false }, () => {
  it('never print the app key, in any form of status or runs', async () => {
    const outputs = await Promise.all([
      runCli(['status', '--local'], env),
      runCli(['status', '--local', '--json'], env),
      runCli(['runs', '--local'], env),
      runCli(['runs', '--local', '--json'], env),
    ]);

    expect(appKey.length).toBeGreaterThan(8);
    for (const { stdout, stderr } of outputs) {
      expect(stdout.length).toBeGreaterThan(0);
      expect(stdout + stderr).not.toContain(appKey);
    }
  });
});

// The tests share one fixture and build on what the one before left: they run in order.
describe('the ledger reader behind runs and status', { shuffle: false }, () => {
  it('reads by Query on the job partition only, newest first, up to its limit', async () => {
    const sent: string[] = [];
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoDbClientConfig(h.db.endpoint)));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommandNames' },
    );

    const runs = await readLedgerRuns(client, h.db.tables.controlTable, h.job, { limit: 2 });
    client.destroy();

    const items = await ledger();
    expect(runs.map((run) => run.runId)).toEqual([items[2]?.runId, items[1]?.runId]);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });
});
