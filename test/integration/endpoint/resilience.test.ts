// The client against the simulator's transient faults, rotations and deadlines over real loopback
// HTTP and HTTPS: what must not fail a run, and what must fail it quickly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import {
  DeadlineExceededError,
  EndpointUnreachableError,
  InsecureEndpointError,
  ResponseTooLargeError,
} from '../../../functions/endpoint/errors.js';
import { nodeHttpTransport } from '../../../functions/endpoint/http-request.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { everythingAbout } from '../../support/capture-logs.js';
import {
  authFailures,
  captureAndForbid,
  clientFor,
  endpointFixture,
  MockedSecret,
  QUERY,
  secretsManager,
} from './harness.js';

const SERVICE = 'QueryStreamEntriesWithData';

describe('endpoint client resilience against the simulator', () => {
  const fx = endpointFixture({ seed: 23, initialEntries: 200 });
  const newKey = () => fx.newKey();

  it('costs no failed call when the key is rotated in the middle of a run', async () => {
    const first = newKey();
    const { client } = clientFor(fx.sim);
    const results: number[] = [];
    for (let call = 1; call <= 6; call++) {
      if (call === 3) {
        // Operator rotation: new key live on the server, put-secret-value, old key revoked.
        newKey();
        fx.sim.keys.revoke(first.name);
      }
      results.push((await client.callService(fx.sim.thing, SERVICE, QUERY)).rows.length);
    }

    expect(results).toEqual([5, 5, 5, 5, 5, 5]);
    expect(fx.sim.requests.count({ status: 401 })).toBe(1);
    expect(fx.sim.requests.count({ status: 200 })).toBe(6);
  });

  it('fails a revoked key after one request, without a retry storm', async () => {
    const key = newKey();
    fx.sim.keys.revoke(key.name);
    const { client, sleeps } = clientFor(fx.sim);

    await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).rejects.toThrow(AccessDeniedError);

    expect(fx.sim.requests.count()).toBe(1);
    expect(fx.secret.reads()).toBe(3); // first read, re-read, re-read after the 1–3 s wait
    expect(sleeps).toHaveLength(1);
    expect(authFailures(fx.capture.output).counted).toEqual(['invalid-key']);
  });

  it('never crosses the run deadline when the server hangs', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'hang' });
    const deadlineEpochMs = Date.now() + 1_500;
    const { client } = clientFor(fx.sim, { deadlineEpochMs, requestTimeoutMs: 30_000 });

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);
    const stoppedAtMs = Date.now();

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toBeInstanceOf(EndpointUnreachableError);
    // Without the deadline the request would wait its 30 s timeout; the margin only absorbs timer jitter.
    expect(stoppedAtMs).toBeLessThan(deadlineEpochMs + 1_000);
    expect(fx.sim.requests.count()).toBe(1);
  });

  it('retries server errors with backoff and succeeds', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'serverError', status: 502, next: 2 });
    const { client, sleeps } = clientFor(fx.sim);

    await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).resolves.toMatchObject({
      rows: expect.any(Array),
    });

    expect(fx.sim.requests.list().map((r) => r.status)).toEqual([502, 502, 200]);
    expect(sleeps).toHaveLength(2);
  });

  it('honours a 429 Retry-After given as an HTTP date', async () => {
    newKey();
    fx.sim.faults.set({
      kind: 'throttle',
      status: 429,
      retryAfterSeconds: 3,
      retryAfterFormat: 'http-date',
      next: 1,
    });
    const { client, sleeps } = clientFor(fx.sim);

    await client.callService(fx.sim.thing, SERVICE, QUERY);

    // An HTTP date has whole seconds, so a 3 s Retry-After reads as 2–3 s from now.
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1_900);
    expect(sleeps[0]).toBeLessThanOrEqual(3_000);
  });

  it('honours a 503 Retry-After in seconds', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'throttle', status: 503, retryAfterSeconds: 4, next: 1 });
    const { client, sleeps } = clientFor(fx.sim);

    await client.callService(fx.sim.thing, SERVICE, QUERY);

    expect(sleeps).toEqual([4_000]);
  });

  it('fails at once when the Retry-After would cross the deadline', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'throttle', status: 503, retryAfterSeconds: 120 });
    const { client, sleeps } = clientFor(fx.sim, { deadlineEpochMs: Date.now() + 30_000 });

    await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).rejects.toThrow(DeadlineExceededError);

    expect(sleeps).toEqual([]);
    expect(fx.sim.requests.count()).toBe(1);
  });

  it('retries a truncated JSON answer', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'truncatedJson', next: 1 });
    const { client } = clientFor(fx.sim);

    await expect(client.callService(fx.sim.thing, SERVICE, QUERY)).resolves.toMatchObject({
      rows: expect.any(Array),
    });
    expect(fx.sim.requests.count()).toBe(2);
  });

  it('stops reading an answer larger than the size cap and does not retry it', async () => {
    newKey();
    const { client } = clientFor(fx.sim, { maxResponseBytes: 1_024 });

    await expect(client.callService(fx.sim.thing, SERVICE, { maxItems: 200 })).rejects.toThrow(
      ResponseTooLargeError,
    );
    expect(fx.sim.requests.count()).toBe(1);
  });

  it('refuses plain HTTP to a non-loopback address before any request, saying why', () => {
    newKey();
    // 0.0.0.0 would reach this simulator on Linux, so a request would show in its log.
    const call = () => clientFor(fx.sim, { baseUrl: `http://0.0.0.0:${fx.sim.port}` });

    expect(call).toThrow(InsecureEndpointError);
    expect(call).toThrow(/only allowed for loopback/);
    expect(fx.sim.requests.count()).toBe(0);
  });

  it('keeps the key out of output and errors when the server times out, fails and is retried', async () => {
    newKey();
    fx.sim.faults.set([{ kind: 'serverError', next: 1 }, { kind: 'hang' }]);
    const { client } = clientFor(fx.sim, { deadlineEpochMs: Date.now() + 2_000, requestTimeoutMs: 500 });

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    for (const key of fx.keyValues) expect(everythingAbout(error)).not.toContain(key);
  });
});

describe('endpoint client over HTTPS against the simulator', () => {
  let sim: ThingWorxSimulator;
  let secret: MockedSecret;
  let keyId: string;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 5, https: true, initialEntries: 10 });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    secretsManager.reset();
    secret = new MockedSecret();
    keyId = sim.keys.add().keyId;
    secret.put({ appKey: keyId });
    sim.requests.reset();
  });

  it('calls the service over HTTPS when given the self-signed CA', async () => {
    expect(sim.baseUrl).toMatch(/^https:/);
    const { client } = clientFor(sim);

    await expect(client.callService(sim.thing, SERVICE, QUERY)).resolves.toMatchObject({
      rows: expect.any(Array),
    });
  });

  it('refuses a certificate it cannot verify instead of sending the key', async () => {
    const { client } = clientFor(
      sim,
      { caCertificatePem: undefined, retry: { maxAttempts: 1 } },
      { transport: nodeHttpTransport },
    );
    const capture = captureAndForbid();

    const error = await client.callService(sim.thing, SERVICE, QUERY).catch((e: unknown) => e);
    capture.finish([keyId]);

    expect(error).toBeInstanceOf(EndpointUnreachableError);
    expect((error as Error).message).toMatch(/SELF_SIGNED|certificate/i);
    expect(sim.requests.count()).toBe(0);
  });
});
