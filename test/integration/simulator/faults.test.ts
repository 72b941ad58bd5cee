// Each injectable fault over real HTTP: what the client sees, and that triggers (always, next N,
// seeded rate, path) behave.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FaultSpec,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rawRequest } from './client.js';

/**
 * Waits until the simulator has logged `count` requests: a request a test means to hang must have reached
 * the server before the test gives up on it, however slowly a busy machine sends it.
 */
async function untilReceived(sim: ThingWorxSimulator, count: number): Promise<void> {
  for (let polls = 0; sim.requests.list().length < count; polls++) {
    if (polls > 1_000)
      throw new Error(`the simulator received ${sim.requests.list().length} of ${count} requests`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ThingWorx simulator: fault injection', () => {
  let sim: ThingWorxSimulator;
  let appKey: string;
  const body = { maxItems: 20, oldestFirst: true };
  const query = (init: { appKey?: string; signal?: AbortSignal } = { appKey }) =>
    call(sim.queryUrl, { ...init, body });

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 11, initialEntries: 50 });
    appKey = sim.keys.add({ name: 'faulty' }).keyId;
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.clock.setOffsetMs(0);
    sim.requests.reset();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('adds latency, only to the next request when told so', async () => {
    sim.faults.set({ kind: 'latency', ms: 250, next: 1 });

    const slowStart = Date.now();
    expect((await query()).status).toBe(200);
    const slowMs = Date.now() - slowStart;
    await query();

    // A lower bound only (a timer never fires early); that the second request was not delayed is read
    // from the simulator's own log, not from a stopwatch a busy machine can slow down.
    expect(slowMs).toBeGreaterThanOrEqual(245);
    expect(sim.requests.list().map((r) => r.faults)).toEqual([['latency'], []]);
  });

  it('answers 5xx: 500 by default, or the status given', async () => {
    sim.faults.set([
      { kind: 'serverError', next: 1 },
      { kind: 'serverError', status: 502, next: 1 },
    ]);

    const statuses = [(await query()).status, (await query()).status, (await query()).status];

    expect(statuses).toEqual([500, 502, 200]);
  });

  it('answers 429 with Retry-After in seconds', async () => {
    sim.faults.set({ kind: 'throttle', retryAfterSeconds: 7, next: 1 });

    const response = await query();

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('answers 503 with Retry-After as an HTTP-date on the server clock', async () => {
    sim.clock.setOffsetMs(-600_000);
    sim.faults.set({ kind: 'throttle', status: 503, retryAfterSeconds: 30, retryAfterFormat: 'http-date' });

    const response = await query();

    expect(response.status).toBe(503);
    const retryAtMs = Date.parse(response.headers.get('retry-after') ?? '');
    const dateMs = Date.parse(response.headers.get('date') ?? '');
    expect(retryAtMs - dateMs).toBeGreaterThanOrEqual(29_000);
    expect(retryAtMs - dateMs).toBeLessThanOrEqual(31_000);
  });

  it('refuses a valid key intermittently with 401 or 403, leaving invalid keys alone', async () => {
    sim.faults.set([
      { kind: 'authFlap', next: 1 },
      { kind: 'authFlap', status: 403, next: 1 },
    ]);

    expect((await query({ appKey: 'not-a-key' })).status).toBe(401); // a genuine refusal uses up no fault
    expect(sim.faults.list().map((f) => f.remaining)).toEqual([1, 1]);
    const flap401 = await query();
    const flap403 = await query();
    const fine = await query();

    expect([flap401.status, flap403.status, fine.status]).toEqual([401, 403, 200]);
    expect(await flap403.text()).toContain('Not authorized for ServiceInvoke');
    expect(sim.requests.list({ fault: 'authFlap' }).map((r) => r.refusal)).toEqual(['fault', 'fault']);
  });

  it('answers 200 with an HTML login page', async () => {
    sim.faults.set({ kind: 'htmlLogin' });

    const response = await query();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<form[^>]*>/);
  });

  it('cuts a JSON body short, with a Content-Length that matches the cut', async () => {
    sim.faults.set([
      { kind: 'truncatedJson', next: 1 },
      { kind: 'truncatedJson', keepBytes: 10 },
    ]);

    const half = await query();
    const tenBytes = await query();
    const halfText = await half.text();

    expect(half.status).toBe(200);
    expect(half.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Number(half.headers.get('content-length'))).toBe(Buffer.byteLength(halfText));
    expect(() => JSON.parse(halfText)).toThrow();
    expect(await tenBytes.text()).toHaveLength(10);
  });

  it('puts a cache in front: a frozen Date with Age and X-Cache: HIT, replayed without asking for the key', async () => {
    sim.faults.set({ kind: 'frozenDate' });

    const miss = await query();
    const missBody = await miss.text();
    sim.clock.setOffsetMs(5_000); // five seconds pass on the server side
    sim.stream.generate(5); // and the data changes
    const hit = await query({}); // no key at all

    expect(miss.headers.get('x-cache')).toBe('MISS');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('date')).toBe(miss.headers.get('date'));
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(4);
    expect(await hit.text()).toBe(missBody);

    sim.faults.clear();
    const fresh = await query();
    expect(fresh.headers.get('x-cache')).toBeNull();
    expect(Date.parse(fresh.headers.get('date') ?? '')).toBeGreaterThan(
      Date.parse(miss.headers.get('date') ?? ''),
    );
  });

  it("answers 407 with Proxy-Authenticate and Via (a proxy's own auth layer), which fetch turns into a network error", async () => {
    sim.faults.set({ kind: 'proxyAuth' });

    const response = await rawRequest(sim.queryUrl, {
      method: 'POST',
      headers: { appKey, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(407);
    expect(response.headers['proxy-authenticate']).toMatch(/^Basic realm=/);
    expect(response.headers.via).toMatch(/^1\.1 /);
    // The Fetch standard makes a 407 outside a browser window a network error: undici (Node's fetch) obeys.
    await expect(query()).rejects.toThrow(/fetch failed/);
  });

  it('hangs until the client gives up', async () => {
    sim.faults.set({ kind: 'hang', next: 1 });
    const giveUp = new AbortController();
    const hung = query({ appKey, signal: giveUp.signal });
    await untilReceived(sim, 1); // else, on a busy machine, the fault could meet the next request instead
    giveUp.abort();

    await expect(hung).rejects.toThrow();
    const after = await query();

    expect(after.status).toBe(200);
    expect(sim.requests.list()[0]).toMatchObject({ faults: ['hang'], status: undefined });
  });

  it('limits a fault to paths containing a string or matching a RegExp', async () => {
    sim.faults.set([
      { kind: 'serverError', path: 'QueryStreamEntriesWithData' },
      { kind: 'proxyAuth', path: /^\/Thingworx\/ApplicationKeys\// },
    ]);

    const probe = await fetch(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD' });
    const service = await query();
    const keyService = await rawRequest(
      `${sim.baseUrl}/Thingworx/ApplicationKeys/faulty/Services/IsExpired`,
      {
        method: 'POST',
        headers: { appKey, 'Content-Type': 'application/json' },
      },
    );

    expect([probe.status, service.status, keyService.status]).toEqual([401, 500, 407]);
  });

  it('fires a rate fault from the seeded PRNG: about that often, the same way for the same seed', async () => {
    const statusesFor = async (target: ThingWorxSimulator, key: string) => {
      target.faults.set({ kind: 'serverError', rate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call(target.queryUrl, { appKey: key, body })).status);
      return statuses;
    };
    const twin = await startThingWorxSimulator({ seed: 11, initialEntries: 50 });
    try {
      const ours = await statusesFor(sim, appKey);
      const theirs = await statusesFor(twin, twin.keys.add({ name: 'faulty' }).keyId);

      const failures = ours.filter((s) => s === 500).length;
      expect(failures).toBeGreaterThan(8);
      expect(failures).toBeLessThan(32);
      expect(theirs).toEqual(ours);
    } finally {
      await twin.stop();
    }
  });

  it('uses up an inner fault only when the outer layers let the request through', async () => {
    const spec: FaultSpec = [
      { kind: 'htmlLogin', next: 1 },
      { kind: 'serverError', next: 1 },
    ];
    sim.faults.set(spec);

    const statuses = [(await query()).status, (await query()).status, (await query()).status];

    expect(statuses).toEqual([200, 500, 200]);
    expect(sim.requests.list().map((r) => r.faults)).toEqual([['htmlLogin'], ['serverError'], []]);
  });

  it('rejects a malformed fault rule', () => {
    expect(() => sim.faults.set({ kind: 'throttle', status: 500 as 429 })).toThrow(/429 or 503/);
    expect(() => sim.faults.set({ kind: 'hang', next: 1, rate: 0.5 })).toThrow(/not both/);
  });
});

describe('ThingWorx simulator: stopping', () => {
  it('stops at once, closing hanging responses and idle keep-alive sockets', async () => {
    const sim = await startThingWorxSimulator();
    const appKey = sim.keys.add().keyId;
    const agent = new Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          `${sim.baseUrl}/Thingworx/`,
          { method: 'HEAD', agent, headers: { appKey } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end();
      });
      sim.faults.set({ kind: 'hang' });
      sim.requests.reset();
      const hanging = call(sim.queryUrl, { appKey, body: {} });
      await untilReceived(sim, 1);

      // The hang never ends: a stop that waited for it would never resolve. 10 s is a generous,
      // load-proof bound on "does not wait" (stopping takes milliseconds on an idle machine).
      const stopped = await Promise.race([
        sim.stop().then(() => 'stopped'),
        new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting for the hanging request')),
      ]);

      expect(stopped).toBe('stopped');
      await expect(hanging).rejects.toThrow();
      await sim.stop(); // twice is fine
    } finally {
      agent.destroy();
    }
  });
});
