// The server clock: Date headers follow a settable (fractional) offset to the millisecond, per
// backend behind one address; keep-alive connections are reused.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';

/** HEAD /Thingworx/ bracketed by local send and receive times. */
async function probe(sim: ThingWorxSimulator) {
  const sentAtMs = Date.now();
  const response = await fetch(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD' });
  const receivedAtMs = Date.now();
  return { sentAtMs, receivedAtMs, serverDateMs: Date.parse(response.headers.get('date') ?? '') };
}

/** The server's Date second must be one its clock showed while the request was in flight. */
function expectWithinBracket(p: Awaited<ReturnType<typeof probe>>, offsetMs: number) {
  const earliest = Math.floor((p.sentAtMs + offsetMs) / 1000) * 1000;
  const latest = Math.floor((p.receivedAtMs + offsetMs) / 1000) * 1000;
  expect(p.serverDateMs).toBeGreaterThanOrEqual(earliest);
  expect(p.serverDateMs).toBeLessThanOrEqual(latest);
}

/** Waits until the server clock (local + offset) is next `phaseMs` past a whole second. */
async function untilServerPhase(offsetMs: number, phaseMs: number) {
  const serverNowMs = Date.now() + offsetMs;
  let targetServerMs = Math.floor(serverNowMs / 1000) * 1000 + phaseMs;
  if (targetServerMs <= serverNowMs + 2) targetServerMs += 1000;
  const targetLocalMs = targetServerMs - offsetMs;
  const coarseMs = targetLocalMs - Date.now() - 15;
  if (coarseMs > 0) await sleep(coarseMs);
  while (Date.now() < targetLocalMs) {
    // spin the last few milliseconds: timers are not that precise
  }
}

describe('ThingWorx simulator: server clock and Date header', () => {
  let sim: ThingWorxSimulator;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ clockOffsetMs: 3_600_250 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('stamps Date from local time + a fractional offset, aimed around the server second boundary', async () => {
    // A server that dropped the 0.25 s, or used Node's once-a-second cached Date, fails just past the boundary.
    const offsetMs = 3_600_250.25;
    sim.clock.setOffsetMs(offsetMs);
    for (const phaseMs of [3, 240, 260, 600]) {
      await untilServerPhase(offsetMs, phaseMs);
      expectWithinBracket(await probe(sim), offsetMs);
    }
    sim.clock.setOffsetMs(-1_234.4);
    for (let i = 0; i < 5; i++) expectWithinBracket(await probe(sim), -1_234.4);
    expect(sim.clock.offsetMs()).toBe(-1_234.4);
    expect(sim.clock.nowMs() - Date.now()).toBeCloseTo(-1_234.4, 0);
  });

  it('puts Date on every answer, refusals included', async () => {
    sim.clock.setOffsetMs(-90_000);
    const sentAtMs = Date.now();
    const response = await fetch(sim.queryUrl, { method: 'POST', body: '{}' });
    const receivedAtMs = Date.now();

    expect(response.status).toBe(401);
    expectWithinBracket(
      { sentAtMs, receivedAtMs, serverDateMs: Date.parse(response.headers.get('date') ?? '') },
      -90_000,
    );
  });

  it('reuses keep-alive connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        reused.push(
          await new Promise<boolean>((resolve, reject) => {
            const req = request(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD', agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(req.reusedSocket));
            });
            req.on('error', reject);
            req.end();
          }),
        );
      }
      expect(reused).toEqual([false, true, true]);
    } finally {
      agent.destroy();
    }
  });
});

describe('ThingWorx simulator: a pool of backends behind one address', () => {
  it('answers round-robin per request, each backend with its own clock relative to the server clock', async () => {
    const pool = [0, 5_000.5, -7_250];
    const sim = await startThingWorxSimulator({ clockOffsetMs: 1_000, backendClockOffsetsMs: pool });
    try {
      const probes = [];
      for (let i = 0; i < 6; i++) probes.push(await probe(sim));

      probes.forEach((p, i) => {
        expectWithinBracket(p, 1_000 + (pool[i % 3] as number));
      });
      expect(sim.requests.list().map((r) => r.backend)).toEqual([0, 1, 2, 0, 1, 2]);

      sim.clock.setBackendOffsetsMs([0, 60_000]);
      const [first, second] = [await probe(sim), await probe(sim)];
      expectWithinBracket(first as Awaited<ReturnType<typeof probe>>, 1_000);
      expectWithinBracket(second as Awaited<ReturnType<typeof probe>>, 61_000);
    } finally {
      await sim.stop();
    }
  });
});
