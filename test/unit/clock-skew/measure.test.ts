// Measurement logic against a fake server on a virtual timeline: exact truths, no waiting.
import { describe, expect, it } from 'vitest';
import {
  type MeasureOptions,
  measureTarget,
  type SkewMeasurement,
} from '../../../functions/clock-skew/measure.js';
import { type FakeServerOptions, fakeServer, ProbeFailedError, VirtualClock } from './fake-server.js';

const target = { name: 'thingworx', url: new URL('https://tw.example.com/Thingworx/'), toleranceMs: 5000 };

async function measure(
  serverOptions: FakeServerOptions,
  options: MeasureOptions = {},
  clock = new VirtualClock(),
) {
  const server = fakeServer(clock, serverOptions);
  const result = await measureTarget(target, { transport: server, startClock: () => clock }, options);
  return { result, server, clock };
}

function measured(result: SkewMeasurement) {
  if (result.outcome !== 'measured') throw new Error(`expected a measurement, got ${JSON.stringify(result)}`);
  return result;
}

describe('measureTarget on a fake server', () => {
  it.each([0, 123.4, -700.3, 2_345.6, -59_999.9, 3_600_250, 0.999, -0.001])(
    'keeps a true offset of %s ms inside the reported bound',
    async (offsetMs) => {
      const { result } = await measure({ offsetsMs: [offsetMs], outboundMs: 0.13, returnMs: 0.07 });
      const m = measured(result);
      expect(Math.abs(m.offsetMs - offsetMs)).toBeLessThanOrEqual(m.boundMs);
      expect(m.boundMs).toBeLessThan(1.2);
      expect(m.requests).toBeLessThanOrEqual(11);
    },
  );

  it('halves the interval with each timed request until the round trip limits it', async () => {
    const boundsMs: number[] = [];
    for (let steps = 0; steps <= 10; steps++) {
      const { result } = await measure(
        { offsetsMs: [421.7] },
        { maxBisections: steps, consistencyChecks: 0, targetBoundMs: 0 },
      );
      boundsMs.push(measured(result).boundMs);
    }
    // 1 s + round trip after the warm-up; each aimed answer cuts it to half plus a one-way trip.
    expect(boundsMs[0]).toBeCloseTo(500.1, 3);
    for (let k = 1; k <= 10; k++) {
      expect(boundsMs[k]).toBeLessThanOrEqual((boundsMs[k - 1] as number) / 2 + 0.1 + 1e-9);
    }
    expect(boundsMs[10]).toBeLessThan(0.7);
  });

  it('keeps the truth inside the bound when the outbound and return trips differ', async () => {
    const { result } = await measure({ offsetsMs: [-12.34], outboundMs: 9, returnMs: 0.5 });
    const m = measured(result);
    expect(Math.abs(m.offsetMs + 12.34)).toBeLessThanOrEqual(m.boundMs);
    expect(m.boundMs).toBeLessThan(6);
  });

  it('stops early once the bound is below the target', async () => {
    const { result } = await measure(
      { offsetsMs: [77.7], outboundMs: 0, returnMs: 0 },
      { targetBoundMs: 50 },
    );
    const m = measured(result);
    expect(m.boundMs).toBeLessThanOrEqual(50);
    expect(m.requests).toBeLessThan(11);
  });

  it('falls back from HEAD to GET when the server refuses HEAD', async () => {
    const { result, server } = await measure({ offsetsMs: [5], headStatus: 405 });
    expect(measured(result).method).toBe('GET');
    expect(server.received.map((r) => r.method).slice(0, 2)).toEqual(['HEAD', 'GET']);
  });

  it('flags a timezone suspect at one hour and a quarter second ahead', async () => {
    const { result } = await measure({ offsetsMs: [3_600_250] });
    expect(measured(result).suspectedTimezone).toBe(true);
  });

  it('does not flag a timezone suspect for a two-second drift', async () => {
    const { result } = await measure({ offsetsMs: [2_345.6] });
    expect(measured(result).suspectedTimezone).toBe(false);
  });

  it('reports an answer without a Date header as a failed measurement', async () => {
    const { result } = await measure({ offsetsMs: [0], dateHeader: () => undefined });
    expect(result).toMatchObject({
      outcome: 'failed',
      measurementFailed: true,
      failureReason: 'no-date-header',
    });
  });

  it('reports an unparseable Date as a failed measurement', async () => {
    const { result } = await measure({ offsetsMs: [0], dateHeader: () => 'yesterday-ish' });
    expect(result).toMatchObject({ outcome: 'failed', failureReason: 'unparseable-date' });
  });

  it('reports a transport timeout as a failed measurement with its reason', async () => {
    const { result } = await measure({
      offsetsMs: [0],
      failWith: new ProbeFailedError('GET x: no answer', 'timeout'),
    });
    expect(result).toMatchObject({ outcome: 'failed', failureReason: 'timeout', requests: 1 });
  });

  it('flags an answer carrying Age as cached', async () => {
    const { result } = await measure({ offsetsMs: [0], extraHeaders: { age: '3' } });
    expect(result).toMatchObject({
      outcome: 'inconsistent',
      dateInconsistent: true,
      inconsistencyReason: 'cached-answer',
    });
  });

  it('flags an X-Cache HIT as cached', async () => {
    const { result } = await measure({ offsetsMs: [0], extraHeaders: { 'x-cache': 'Hit from cloudfront' } });
    expect(result).toMatchObject({ outcome: 'inconsistent', inconsistencyReason: 'cached-answer' });
  });

  it('flags a Date that stands still for more than a second', async () => {
    const frozen = new Date(Date.UTC(2025, 0, 15, 7, 0, 0)).toUTCString();
    const { result } = await measure({ offsetsMs: [0], dateHeader: () => frozen });
    expect(result).toMatchObject({ outcome: 'inconsistent', dateInconsistent: true });
    expect(result.outcome === 'inconsistent' && result.inconsistencyReason).toMatch(
      /date-not-advancing|empty-intersection/,
    );
  });

  it.each([
    [0, 250],
    [0, -40],
    [1_000.5, 1_900],
    [0, 12],
    [0, 700],
  ])(
    'with consistency checks, flags two backends with clocks at %s and %s ms behind one address',
    async (a, b) => {
      const { result } = await measure({ offsetsMs: [a, b] }, { consistencyChecks: 2 });
      expect(result).toMatchObject({ outcome: 'inconsistent', dateInconsistent: true });
    },
  );

  it.each([
    [0, 2_100],
    [0, -2_500],
    [250, 3_600_250],
  ])(
    'by default, flags two backends two seconds or more apart (%s and %s ms) with at most 11 requests',
    async (a, b) => {
      const { result } = await measure({ offsetsMs: [a, b] });
      expect(result).toMatchObject({ outcome: 'inconsistent', dateInconsistent: true });
      expect(result.requests).toBeLessThanOrEqual(11);
    },
  );

  it('never flags a single clock, whatever its phase against ours', async () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const offsetMs = (i * 7_919.37) % 5_000;
      const { result } = await measure({ offsetsMs: [offsetMs], outboundMs: 0.05 + (i % 7) * 0.03 });
      outcomes.add(result.outcome);
      const m = measured(result);
      expect(Math.abs(m.offsetMs - offsetMs)).toBeLessThanOrEqual(m.boundMs);
    }
    expect([...outcomes]).toEqual(['measured']);
  });

  it('fails the measurement when the local wall clock was stepped while measuring', async () => {
    const clock = new VirtualClock();
    clock.stepMs = 40;
    const { result } = await measure({ offsetsMs: [0] }, {}, clock);
    expect(result).toMatchObject({ outcome: 'failed', failureReason: 'local-clock-stepped' });
  });

  it('widens the bound by the spread between its clock and Date.now()', async () => {
    const clock = new VirtualClock();
    Object.assign(clock, { dateNowSpreadMs: { behindMs: 1, aheadMs: 0 } });
    const plain = measured((await measure({ offsetsMs: [10] })).result);
    const widened = measured((await measure({ offsetsMs: [10] }, {}, clock)).result);
    expect(widened.boundMs).toBeGreaterThanOrEqual(0.5);
    expect(widened.boundMs).toBeLessThanOrEqual(plain.boundMs + 0.5 + 0.2);
  });
});
