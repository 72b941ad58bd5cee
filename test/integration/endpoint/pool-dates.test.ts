// The client behind a load-balanced pool over real loopback HTTP: servers whose clocks are a few seconds
// apart, with slow answers, are read without a single "cached" verdict, while a cache in front is still
// caught, even one that hides its headers and is given away by the Date it replays alone.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import { authFailures, clientFor, endpointFixture, QUERY } from './harness.js';

const SERVICE = 'QueryStreamEntriesWithData';
/** Longer than the old 2 s "frozen Date" threshold, so each answer comes that much after the last. */
const SLOW_ANSWER_MS = 2_100;
/** Long enough after a first answer that a replay of its Date is beyond what one server-second explains. */
const PAST_ONE_SERVER_SECOND_MS = 2_600;

describe('endpoint client behind a server pool', () => {
  const fx = endpointFixture({ seed: 31, initialEntries: 40, backendClockOffsetsMs: [0, 2_500] });

  it('accepts every slow answer from two servers 2.5 s apart', async () => {
    fx.newKey();
    fx.sim.clock.setBackendOffsetsMs([0, 2_500]);
    fx.sim.faults.set({ kind: 'latency', ms: SLOW_ANSWER_MS, path: SERVICE });
    const { client } = clientFor(fx.sim);

    for (let call = 0; call < 4; call++) {
      await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).resolves.toMatchObject({
        rows: expect.any(Array),
      });
    }

    expect(new Set(fx.sim.requests.list().map((request) => request.backend))).toEqual(new Set([0, 1]));
    expect(authFailures(fx.capture.output)).toEqual({ logged: [], counted: [] });
  });

  it('catches a cache that hides its headers by the Date it replays, after one retry', async () => {
    fx.newKey();
    fx.sim.faults.set({ kind: 'frozenDate', hidden: true, path: SERVICE });
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, SERVICE, QUERY);
    await sleep(PAST_ONE_SERVER_SECOND_MS);

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('cached-response');
    expect((error as AccessDeniedError).evidence.signals.join()).toMatch(/replayed/);
    expect(fx.sim.requests.count({ path: SERVICE })).toBe(3);
    expect(authFailures(fx.capture.output).counted).toEqual(['cached-response']);
  });

  it('takes the fresh answer when the one retry after a replayed Date reaches the server', async () => {
    fx.newKey();
    // The cache stores the first answer and replays it once; the retry then goes through to the server.
    fx.sim.faults.set({ kind: 'frozenDate', hidden: true, path: SERVICE, next: 2 });
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, SERVICE, QUERY);
    await sleep(PAST_ONE_SERVER_SECOND_MS);

    await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).resolves.toMatchObject({
      rows: expect.any(Array),
    });
    expect(fx.sim.requests.count({ path: SERVICE })).toBe(3);
    expect(authFailures(fx.capture.output)).toEqual({ logged: [], counted: [] });
  });
});
