// A monitor run end to end: the simulator over loopback, items in DynamoDB Local, metrics recorded.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchoredClock } from '../../../functions/clock-skew/measurement-clock.js';
import { runSkewMonitor } from '../../../functions/clock-skew/monitor.js';
import {
  createHttpProbeTransport,
  type ProbeTransport,
} from '../../../functions/clock-skew/probe-transport.js';
import { parsePairs, parseTargets } from '../../../functions/clock-skew/skew-config.js';
import { systemClock } from '../../../functions/shared/clock.js';
import { controlKeys } from '../../../functions/shared/tables.js';
import { readLastSkew } from '../../../functions/sync/last-skew.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { closedPort } from './support.js';

describe('clock-skew monitor run', () => {
  let db: LocalDynamoDb;
  let auth: ThingWorxSimulator;
  let thingworx: ThingWorxSimulator;
  let transport: ProbeTransport;

  beforeAll(async () => {
    db = await freshTables('skew');
    auth = await startThingWorxSimulator({ clockOffsetMs: 123.4 });
    thingworx = await startThingWorxSimulator({ clockOffsetMs: -700.3 });
    transport = createHttpProbeTransport();
  });
  afterAll(async () => {
    transport.close();
    await Promise.all([auth.stop(), thingworx.stop()]);
  });

  const configFor = (authUrl: string) => {
    const targets = parseTargets(
      JSON.stringify([
        { name: 'auth', url: authUrl, toleranceMs: 100 },
        { name: 'thingworx', url: `${thingworx.baseUrl}/Thingworx/` },
      ]),
    );
    return {
      controlTable: db.tables.controlTable,
      targets,
      pairs: parsePairs(JSON.stringify([['auth', 'thingworx']]), targets),
      requestTimeoutMs: 2000,
    };
  };
  const run = (config: ReturnType<typeof configFor>) => {
    const metrics = new RecordingMetrics();
    const logger = new RecordingLogger();
    const report = runSkewMonitor(config, {
      transport,
      startClock: anchoredClock,
      documentClient: db.documentClient,
      metrics,
      logger,
      clock: systemClock,
    });
    return { report, metrics, logger };
  };
  const item = async (target: string) =>
    (
      await db.documentClient.send(
        new GetCommand({ TableName: db.tables.controlTable, Key: controlKeys.lastSkew(target) }),
      )
    ).Item;

  it('writes each target measurement where the sync reads it, and publishes it per Target', async () => {
    const { report, metrics } = run(configFor(`${auth.baseUrl}/Thingworx/`));
    await report;

    const stored = await item('thingworx');
    expect(stored).toMatchObject({
      measurementFailed: false,
      dateInconsistent: false,
      suspectedTimezone: false,
      url: `${thingworx.baseUrl}/Thingworx/`,
    });
    expect(Math.abs((stored?.offsetMs as number) + 700.3)).toBeLessThanOrEqual(stored?.boundMs as number);
    expect(stored?.absOffsetUpperMs).toBeCloseTo(
      Math.abs(stored?.offsetMs as number) + (stored?.boundMs as number),
      9,
    );
    expect(Number.isFinite(Date.parse(stored?.measuredAt as string))).toBe(true);
    expect(stored?.requests).toBeGreaterThan(1);
    const forSync = await readLastSkew(db.documentClient, db.tables.controlTable, 'thingworx');
    expect(forSync).toEqual({ offsetMs: stored?.offsetMs, boundMs: stored?.boundMs });

    for (const name of [
      'ClockOffsetMs',
      'ClockOffsetBoundMs',
      'ClockAbsOffsetUpperMs',
      'MeasurementFailed',
    ]) {
      expect(
        metrics
          .named(name)
          .map((m) => m.dimensions.Target)
          .sort(),
        name,
      ).toEqual(['auth', 'thingworx']);
    }
    expect(metrics.named('MeasurementFailed').map((m) => m.value)).toEqual([0, 0]);
    expect(metrics.named('DateInconsistent').map((m) => m.value)).toEqual([0, 0]);
    const offset = metrics.named('ClockOffsetMs').find((m) => m.dimensions.Target === 'thingworx');
    expect(offset?.value).toBe(stored?.offsetMs);
  }, 30_000);

  it('publishes the pairwise skew upper bound under the Pair dimension', async () => {
    const { report, metrics } = run(configFor(`${auth.baseUrl}/Thingworx/`));
    const { pairs } = await report;
    const [pair] = metrics.named('PairwiseSkewMs');
    expect(pair?.dimensions).toEqual({ Pair: 'auth|thingworx' });
    expect(Math.abs((pairs[0]?.skewMs as number) - 823.7)).toBeLessThanOrEqual(pairs[0]?.boundMs as number);
    expect(pair?.value).toBe(pairs[0]?.absSkewUpperMs);
  }, 30_000);

  it('keeps the last good offset when a target becomes unreachable, and records why', async () => {
    await run(configFor(`${auth.baseUrl}/Thingworx/`)).report;
    const good = await item('auth');

    const unreachable = `http://127.0.0.1:${await closedPort()}/Thingworx/`;
    const { report, metrics } = run(configFor(unreachable));
    const { measurements, pairs } = await report;

    expect(measurements.find((m) => m.target === 'auth')).toMatchObject({
      outcome: 'failed',
      failureReason: 'unreachable',
    });
    const after = await item('auth');
    expect(after).toMatchObject({
      offsetMs: good?.offsetMs,
      boundMs: good?.boundMs,
      measuredAt: good?.measuredAt,
      measurementFailed: true,
      failureReason: 'unreachable',
    });
    expect(Number.isFinite(Date.parse(after?.failedAt as string))).toBe(true);
    const failed = metrics.named('MeasurementFailed').find((m) => m.dimensions.Target === 'auth');
    expect(failed?.value).toBe(1);
    expect(metrics.named('ClockOffsetMs').map((m) => m.dimensions.Target)).toEqual(['thingworx']);
    expect(pairs).toEqual([]);
    expect(metrics.count('PairwiseSkewMs')).toBe(0);
  }, 30_000);

  it('clears the failure fields at the next good measurement', async () => {
    await run(configFor(`${auth.baseUrl}/Thingworx/`)).report;
    const after = await item('auth');
    expect(after?.measurementFailed).toBe(false);
    expect(after).not.toHaveProperty('failureReason');
    expect(after).not.toHaveProperty('failedAt');
  }, 30_000);
});
