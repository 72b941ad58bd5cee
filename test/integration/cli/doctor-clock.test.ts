// The clock, judged by doctor with the skew monitor's measurement against the simulator's clock: in step,
// seconds off, minutes off, an hour off (a time zone), a pool of servers that disagree, a cache replaying
// its Date. Fewer aimed requests than the monitor's 10 keep it fast; every verdict here is far from the
// bound they leave.
import { describe, expect, it } from 'vitest';
import { doctorFixture } from './doctor-harness.js';

/** The true offset lies within the reported offset ± bound (1 ms for Date.now()'s resolution). */
function expectOffsetWithinBound(details: Record<string, unknown> | undefined, trueOffsetMs: number): void {
  const { offsetMs, boundMs } = details as { offsetMs: number; boundMs: number };
  expect(Math.abs(offsetMs - trueOffsetMs)).toBeLessThanOrEqual(boundMs + 1);
}

const CLOCK_ONLY = ['--only', 'clock', '--clock-requests', '3'];

describe('doctor: the clock', () => {
  const fx = doctorFixture();

  it('passes a clock in step, two measurements agreeing', async () => {
    const run = await fx.run(fx.keyFile(), CLOCK_ONLY);

    expect(run.checks['clock.offset']?.status).toBe('ok');
    expect(run.checks['clock.pool']?.status).toBe('ok');
  });

  it("warns of 30 s over the skew tolerance, and fails 90 s past the client's 60 s", async () => {
    const file = fx.keyFile();
    fx.sim.clock.setOffsetMs(30_000);
    const seconds = await fx.run(file, [...CLOCK_ONLY, '--clock-measurements', '1']);
    fx.sim.clock.setOffsetMs(-90_000);
    const minutes = await fx.run(file, [...CLOCK_ONLY, '--clock-measurements', '1']);

    expect(seconds.checks['clock.offset']?.status).toBe('WARN');
    expectOffsetWithinBound(seconds.checks['clock.offset']?.details, 30_000);
    expect(minutes.checks['clock.offset']).toMatchObject({ status: 'FAIL', cause: 'clock-skew' });
    expectOffsetWithinBound(minutes.checks['clock.offset']?.details, -90_000);
  });

  it('names an offset of one hour a time zone, not drift', async () => {
    fx.sim.clock.setOffsetMs(3_600_000);
    const run = await fx.run(fx.keyFile(), [...CLOCK_ONLY, '--clock-measurements', '1']);

    expect(run.checks['clock.offset']).toMatchObject({ status: 'FAIL', cause: 'clock-skew' });
    expect(run.checks['clock.offset']?.evidence).toContain('60 minutes, a multiple of 15: a time zone');
  });

  it('names a pool of servers whose clocks disagree', async () => {
    fx.sim.clock.setBackendOffsetsMs([0, 3_000]);
    const run = await fx.run(fx.keyFile(), CLOCK_ONLY);

    expect(run.checks['clock.pool']?.status).toBe('FAIL');
    expect(run.checks['clock.pool']?.evidence).toContain('servers behind this address disagree');
  });

  it('names a cache replaying its Date (frozenDate) as cached-response', async () => {
    fx.sim.faults.set({ kind: 'frozenDate', hidden: true, path: '/Thingworx/' });
    const run = await fx.run(fx.keyFile(), CLOCK_ONLY);

    expect(run.checks['clock.pool']).toMatchObject({ status: 'FAIL', cause: 'cached-response' });
  });
});
