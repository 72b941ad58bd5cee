// The rotation's key services (ThingWorxKeyServices over the endpoint client, with the Powertools logger
// and metrics the Lambda uses) against the simulator over loopback, every byte of output captured: the
// key GetKeyID answers never reaches a log line, a metric or an error, behind a two-node pool whose
// clocks are 8 s apart (the Date of one node is "older" than the other's) or behind a cache.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppKey, KeySource } from '../../../functions/app-key/key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { ThingWorxKeyServices } from '../../../functions/rotate-key/thingworx-keys.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { type CapturedOutput, captureOutput, everythingAbout } from '../../support/capture-logs.js';

/** Longer than the old 2 s "frozen Date" threshold: enough for today's check to call the pool a cache. */
const SLOW_ANSWER_MS = 2_100;
const NEW_KEY_NAME = 'demo-2026-12-03';

function fixedKey(key: AppKey): KeySource {
  return { get: async () => key, refresh: async () => key, describe: () => 'file:admin-key.json' };
}

describe('the key GetKeyID answers, behind a pool or a cache', () => {
  let sim: ThingWorxSimulator;
  let output: CapturedOutput;
  let newKeyValue: string;
  let keys: ThingWorxKeyServices;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 41, backendClockOffsetsMs: [8_000, 0] });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.requests.reset();
    sim.clock.setBackendOffsetsMs([8_000, 0]); // and the next request goes to the node 8 s ahead
    const admin = sim.keys.add({ name: `admin-${Math.random().toString(36).slice(2, 8)}` });
    sim.keys.remove(NEW_KEY_NAME);
    newKeyValue = sim.keys.add({ name: NEW_KEY_NAME, user: 'syncUser' }).keyId;
    // The rotation's wiring: one client per invocation, Powertools logger and metrics (stdout, as in Lambda).
    const client = new ThingWorxClient({
      baseUrl: sim.baseUrl,
      keySource: fixedKey({ appKey: admin.keyId, versionId: 'admin-v1' }),
      deadlineEpochMs: Date.now() + 25_000,
      requestTimeoutMs: 5_000,
    });
    keys = new ThingWorxKeyServices(client, 'file:admin-key.json');
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
  });

  it('reaches no log line when the two nodes of the pool are 8 s apart and answers are slow', async () => {
    sim.faults.set({ kind: 'latency', ms: SLOW_ANSWER_MS, path: 'GetKeyID' });

    const first = await keys.keyIdOf(NEW_KEY_NAME).catch((e: unknown) => e);
    const second = await keys.keyIdOf(NEW_KEY_NAME).catch((e: unknown) => e);
    output.restore();

    expect(new Set(sim.requests.list().map((request) => request.backend))).toEqual(new Set([0, 1]));
    expect(output.text()).not.toContain(newKeyValue);
    // Healthy nodes whose clocks differ are no cache: both reads succeed.
    expect([first, second]).toEqual([newKeyValue, newKeyValue]);
  });

  it('reaches no log line or error when a cache in front replays the GetKeyID answer', async () => {
    sim.faults.set({ kind: 'frozenDate', path: 'GetKeyID' });

    await keys.keyIdOf(NEW_KEY_NAME);
    const error = await keys.keyIdOf(NEW_KEY_NAME).catch((e: unknown) => e);
    output.restore();

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('cached-response');
    expect(output.text()).toContain('Access denied: cached-response');
    expect(output.text()).not.toContain(newKeyValue);
    expect(everythingAbout(error)).not.toContain(newKeyValue);
  });
});
