import { describe, expect, it } from 'vitest';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import {
  DeadlineExceededError,
  EndpointHttpError,
  EndpointUnreachableError,
  InsecureEndpointError,
  InvalidResponseError,
} from '../../../functions/endpoint/errors.js';
import type { HttpTransport } from '../../../functions/endpoint/http-request.js';
import {
  ThingWorxClient,
  type ThingWorxClientOptions,
} from '../../../functions/endpoint/thingworx-client.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { INFO_TABLE, response, SwappableKeySource, scriptedTransport } from './fakes.js';

const START_MS = Date.parse('2025-03-01T12:00:00Z');
const KEY_V1: AppKey = { appKey: '4c7e2a90-1b3d-4f68-9a05-e8d2c6b1f374', versionId: 'v1' };
const KEY_V2: AppKey = { appKey: 'e15b8d3f-6a2c-4079-b4e1-93f0a7c5d268', versionId: 'v2' };

/** A client whose clock moves only when it sleeps, so waits are measured, never awaited. */
function harness(
  scripted: HttpTransport,
  options: Partial<ThingWorxClientOptions> = {},
  random = () => 0.5,
  { requestsTakeTheirWholeTimeout = false } = {},
) {
  const clock = new ManualClock(START_MS);
  const transport: HttpTransport = requestsTakeTheirWholeTimeout
    ? async (request) => {
        clock.advance(request.timeoutMs);
        return scripted(request);
      }
    : scripted;
  const sleeps: number[] = [];
  const keys = new SwappableKeySource(KEY_V1);
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const client = new ThingWorxClient(
    {
      baseUrl: 'https://twx.example.com',
      keySource: keys,
      deadlineEpochMs: START_MS + 120_000,
      requestTimeoutMs: 5_000,
      ...options,
    },
    {
      clock,
      random,
      logger,
      metrics,
      transport,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    },
  );
  return { client, clock, sleeps, keys, logger, metrics };
}

const ok = () => response(200, INFO_TABLE, { date: new Date(START_MS).toUTCString() });
const unauthorized = () => response(401, 'Authentication failed', { date: new Date(START_MS).toUTCString() });

describe('ThingWorx client requests', () => {
  it('POSTs the service with the key in the appKey header only, no-cache headers and the XSRF token', async () => {
    const transport = scriptedTransport([ok()]);
    const { client } = harness(transport);
    const table = await client.callService('Sensor 1', 'QueryStreamEntriesWithData', { maxItems: 10 });
    expect(table.rows).toEqual([{ id: 'a' }]);
    const request = transport.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(
      'https://twx.example.com/Thingworx/Things/Sensor%201/Services/QueryStreamEntriesWithData',
    );
    expect(request?.url.href).not.toContain(KEY_V1.appKey);
    expect(request?.headers).toEqual({
      appKey: KEY_V1.appKey,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, no-store',
      Pragma: 'no-cache',
      'X-XSRF-TOKEN': 'TWX-XSRF-TOKEN-VALUE',
    });
    expect(request?.body).toBe('{"maxItems":10}');
  });

  it('sends X-XSRF-TOKEN on every request: GETs, retries, auth retries and probes', async () => {
    const transport = scriptedTransport([response(503, 'busy'), unauthorized(), ok(), ok(), ok()]);
    const { client, keys } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);

    await client.callService('T', 'S');
    await client.getJson('/Thingworx/Things/T');
    await client.probe({ thing: 'T', service: 'S' });

    expect(transport.requests).toHaveLength(5);
    for (const request of transport.requests) {
      expect(request.headers['X-XSRF-TOKEN']).toBe('TWX-XSRF-TOKEN-VALUE');
    }
  });

  it('fails a 406 as what ThingWorx means by it, a body that is not valid JSON, not as an Access Denied', async () => {
    const transport = scriptedTransport([response(406, ''), ok()]);
    const { client, metrics, keys } = harness(transport);

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as EndpointHttpError).status).toBe(406);
    expect((error as Error).message).toMatch(
      /answered 406 \(ThingWorx answers 406 to a request body that is not valid JSON\)$/,
    );
    expect(metrics.named('AuthFailure')).toEqual([]);
    expect(keys.refreshes).toBe(0);
    expect(transport.requests).toHaveLength(1);
  });

  it('sends the key in a configured header name for other APIs', async () => {
    const transport = scriptedTransport([response(200, { hello: 'world' })]);
    const { client } = harness(transport, { keyHeaderName: 'X-Api-Key' });
    await expect(client.getJson('/api/v1/status')).resolves.toEqual({ hello: 'world' });
    expect(transport.requests[0]?.headers).toMatchObject({ 'X-Api-Key': KEY_V1.appKey });
    expect(transport.requests[0]?.headers).not.toHaveProperty('appKey');
  });

  it('refuses plain HTTP to a non-loopback host before any request', () => {
    const transport = scriptedTransport([]);
    expect(() => harness(transport, { baseUrl: 'http://twx.example.com' })).toThrow(InsecureEndpointError);
    expect(transport.requests).toHaveLength(0);
  });

  it('refuses a path that would carry the key in the URL, without sending it', async () => {
    const transport = scriptedTransport([]);
    const { client, metrics } = harness(transport);
    const error = await client.getJson('/Thingworx/Things?appKey=whatever').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('key-in-url');
    expect(transport.requests).toHaveLength(0);
    expect(metrics.named('AuthFailure')[0]?.dimensions).toEqual({ Cause: 'key-in-url' });
  });

  it('passes the per-request timeout and size cap to the transport', async () => {
    const transport = scriptedTransport([ok()]);
    const { client } = harness(transport, { requestTimeoutMs: 7_000, maxResponseBytes: 2048 });
    await client.callService('T', 'S');
    expect(transport.requests[0]).toMatchObject({ timeoutMs: 7_000, maxResponseBytes: 2048 });
  });

  it('treats a 200 with a non-JSON content type as an error, not data', async () => {
    const { client } = harness(scriptedTransport([response(200, 'plain words')]));
    await expect(client.getJson('/x')).rejects.toThrow(InvalidResponseError);
  });
});

describe('ThingWorx client retries', () => {
  it('retries a 5xx with full-jitter backoff and returns the later success', async () => {
    const transport = scriptedTransport([response(502, 'bad gateway'), response(500, 'oops'), ok()]);
    const { client, sleeps } = harness(transport, { retry: { baseDelayMs: 100, maxDelayMs: 10_000 } });
    await client.callService('T', 'S');
    expect(sleeps).toEqual([50, 100]); // random 0.5 × caps 100, 200
    expect(transport.requests).toHaveLength(3);
  });

  it('retries network errors', async () => {
    const transport = scriptedTransport([
      () => {
        throw new EndpointUnreachableError('POST x: ECONNRESET', 'network');
      },
      ok(),
    ]);
    const { client } = harness(transport);
    const table = await client.callService('T', 'S');
    expect(table.rows).toEqual([{ id: 'a' }]); // the answer of the second attempt
    expect(transport.requests).toHaveLength(2);
  });

  it('stops after the configured attempts and says how many were made', async () => {
    const transport = scriptedTransport([response(503, 'x'), response(503, 'x'), response(503, 'x')]);
    const { client } = harness(transport, { retry: { maxAttempts: 3 } });
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as Error).message).toMatch(/answered 503 after 3 attempts/);
    expect(transport.requests).toHaveLength(3);
  });

  it('waits the Retry-After seconds of a 429', async () => {
    const { client, sleeps } = harness(
      scriptedTransport([response(429, 'slow down', { 'retry-after': '7' }), ok()]),
    );
    await client.callService('T', 'S');
    expect(sleeps).toEqual([7_000]);
  });

  it('waits until the Retry-After date of a 503', async () => {
    const retryAt = new Date(START_MS + 12_000).toUTCString();
    const { client, sleeps } = harness(
      scriptedTransport([response(503, 'later', { 'retry-after': retryAt }), ok()]),
    );
    await client.callService('T', 'S');
    expect(sleeps).toEqual([12_000]);
  });

  it('does not wait for a Retry-After that would cross the deadline, and says so', async () => {
    const transport = scriptedTransport([response(429, 'slow down', { 'retry-after': '600' }), ok()]);
    const { client, sleeps } = harness(transport, { deadlineEpochMs: START_MS + 60_000 });
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/Retry-After.*after the run deadline/);
    expect(sleeps).toEqual([]);
    expect(transport.requests).toHaveLength(1);
  });

  it('does not retry 4xx other than the auth cases', async () => {
    const transport = scriptedTransport([response(404, 'Not Found'), ok()]);
    const { client } = harness(transport);
    await expect(client.callService('T', 'S')).rejects.toThrow(/answered 404$/);
    expect(transport.requests).toHaveLength(1);
  });

  it('retries a complete 200 whose JSON is cut short', async () => {
    const truncated = { ...ok(), body: ok().body.slice(0, 20) };
    const transport = scriptedTransport([truncated, ok()]);
    const { client } = harness(transport);
    await expect(client.callService('T', 'S')).resolves.toMatchObject({ rows: [{ id: 'a' }] });
    expect(transport.requests).toHaveLength(2);
  });

  it('counts a body cut short against the same attempt budget as transport failures', async () => {
    const truncated = { ...ok(), body: ok().body.slice(0, 20) };
    const transport = scriptedTransport([response(503, 'busy'), truncated, truncated, ok()]);
    const { client } = harness(transport, { retry: { maxAttempts: 3 } });

    await expect(client.callService('T', 'S')).rejects.toThrow(/body is not valid JSON/);
    expect(transport.requests).toHaveLength(3);
  });

  it('names the body cut short as the cause when the deadline stops its retry', async () => {
    const truncated = { ...ok(), body: ok().body.slice(0, 20) };
    let advance: (ms: number) => void = () => {};
    // Reading the key takes a second: enough to turn "a retry fits" into "no time for it" on the way.
    const slowKeys = {
      get: async () => {
        advance(1_000);
        return KEY_V1;
      },
      refresh: async () => KEY_V1,
      describe: () => 'slow',
    };
    const h = harness(scriptedTransport([truncated, ok()]), {
      keySource: slowKeys,
      deadlineEpochMs: START_MS + 1_000 + 5_000 + 200,
    });
    advance = (ms) => h.clock.advance(ms);

    const error = await h.client.callService('T', 'S').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toBeInstanceOf(InvalidResponseError);
  });

  it('clips the first request timeout to the time left before the deadline', async () => {
    const transport = scriptedTransport([ok()]);
    const { client } = harness(transport, { deadlineEpochMs: START_MS + 1_500, requestTimeoutMs: 5_000 });
    await client.callService('T', 'S');
    expect(transport.requests[0]?.timeoutMs).toBe(1_500);
  });

  it('says the time is up, not that the endpoint failed, when an attempt the deadline cut short times out', async () => {
    const timedOut: HttpTransport = async (request) => {
      throw new EndpointUnreachableError(`no complete answer within ${request.timeoutMs} ms`, 'timeout');
    };
    const { client } = harness(timedOut, { deadlineEpochMs: START_MS + 1_500, requestTimeoutMs: 5_000 });

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).endpointFailed).toBe(false);
    expect((error as Error).message).toMatch(/1500 ms left before the run deadline.*5000 ms request timeout/);
    expect((error as Error).cause).toBeInstanceOf(EndpointUnreachableError);
  });

  it('counts a timeout as a failure of the endpoint when the attempt had its whole request timeout', async () => {
    const timedOut: HttpTransport = async (request) => {
      throw new EndpointUnreachableError(`no complete answer within ${request.timeoutMs} ms`, 'timeout');
    };
    // The first attempt gets its 5 s; the retry after it does not fit before the deadline.
    const { client } = harness(
      timedOut,
      { deadlineEpochMs: START_MS + 7_000, requestTimeoutMs: 5_000 },
      () => 0.5,
      { requestsTakeTheirWholeTimeout: true },
    );

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).endpointFailed).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(EndpointUnreachableError);
  });

  it('never lets a wait plus a retry end after the deadline', async () => {
    const deadlineEpochMs = START_MS + 20_000;
    const transport = scriptedTransport(Array.from({ length: 10 }, () => response(500, 'x')));
    // Each request "takes" its whole timeout on the manual clock: the worst case the deadline must allow for.
    const { client, clock } = harness(
      transport,
      {
        deadlineEpochMs,
        requestTimeoutMs: 5_000,
        retry: { maxAttempts: 10, baseDelayMs: 2_000, maxDelayMs: 60_000 },
      },
      () => 0.99,
      { requestsTakeTheirWholeTimeout: true },
    );
    await expect(client.callService('T', 'S')).rejects.toThrow(DeadlineExceededError);
    expect(transport.requests.length).toBeGreaterThan(1);
    expect(clock.nowMs()).toBeLessThanOrEqual(deadlineEpochMs);
  });
});

describe('ThingWorx client auth retry', () => {
  it('retries once with the new key when the secret version changed (stale key), without failing the call', async () => {
    const transport = scriptedTransport([unauthorized(), ok()]);
    const { client, keys, sleeps, metrics, logger } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);
    await expect(client.callService('T', 'S')).resolves.toBeDefined();
    expect(transport.requests.map((r) => r.headers.appKey)).toEqual([KEY_V1.appKey, KEY_V2.appKey]);
    expect(sleeps).toEqual([]);
    expect(metrics.named('AuthFailure').map((m) => m.dimensions.Cause)).toEqual(['stale-key']);
    expect(logger.recorded.find((l) => l.message === 'Access denied: stale-key')?.attributes.recovered).toBe(
      true,
    );
  });

  it('waits 1–3 s and re-reads once more when the version is unchanged, then uses a late rotation', async () => {
    const transport = scriptedTransport([unauthorized(), ok()]);
    const { client, keys, sleeps } = harness(transport, {}, () => 0.25);
    keys.rotateOnRefresh(2, KEY_V2);
    await client.callService('T', 'S');
    expect(sleeps).toEqual([1_500]);
    expect(keys.refreshes).toBe(2);
    expect(transport.requests).toHaveLength(2);
  });

  it('fails a revoked key as invalid-key after one request, one wait and two secret reads', async () => {
    const transport = scriptedTransport([unauthorized(), ok()]);
    const { client, keys, sleeps, metrics } = harness(transport);
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('invalid-key');
    expect(transport.requests).toHaveLength(1);
    expect(keys.refreshes).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1_000);
    expect(sleeps[0]).toBeLessThanOrEqual(3_000);
    expect(metrics.named('AuthFailure').map((m) => m.dimensions.Cause)).toEqual(['invalid-key']);
  });

  it('retries an auth failure only once even if the key keeps changing', async () => {
    const transport = scriptedTransport([unauthorized(), unauthorized(), ok()]);
    const { client, keys } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);
    keys.rotateOnRefresh(2, { appKey: 'third', versionId: 'v3' });
    await expect(client.callService('T', 'S')).rejects.toThrow(AccessDeniedError);
    expect(transport.requests).toHaveLength(2);
  });

  it('retries an auth failure only once per call, even across a retry of a body cut short', async () => {
    const truncated = { ...ok(), body: ok().body.slice(0, 20) };
    const transport = scriptedTransport([unauthorized(), truncated, unauthorized(), ok()]);
    const { client, keys } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);
    keys.rotateOnRefresh(2, { appKey: 'third', versionId: 'v3' });

    await expect(client.callService('T', 'S')).rejects.toThrow(AccessDeniedError);
    expect(transport.requests).toHaveLength(3);
  });

  it('skips the 1–3 s wait when it would cross the deadline and fails classified at once', async () => {
    const transport = scriptedTransport([unauthorized()]);
    const { client, sleeps } = harness(transport, {
      deadlineEpochMs: START_MS + 6_000,
      requestTimeoutMs: 5_000,
    });
    await expect(client.callService('T', 'S')).rejects.toThrow(AccessDeniedError);
    expect(sleeps).toEqual([]);
  });

  it('still fails classified when the secret cannot be re-read after a denial', async () => {
    const transport = scriptedTransport([unauthorized()]);
    const { client, keys, logger } = harness(transport);
    keys.refresh = async () => {
      throw new Error('ThrottlingException');
    };
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect((error as AccessDeniedError).cause).toBe('invalid-key');
    expect((error as AccessDeniedError).evidence.versionIdCurrent).toBeUndefined();
    expect(logger.recorded.some((l) => l.message === 'Could not re-read the app key after a denial')).toBe(
      true,
    );
  });

  it('does not re-read the secret for a proxy 407: the key is not the problem', async () => {
    const transport = scriptedTransport([
      response(407, '<html>proxy</html>', { 'proxy-authenticate': 'Basic realm="p"', via: '1.1 squid' }),
    ]);
    const { client, keys } = harness(transport);
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect((error as AccessDeniedError).cause).toBe('proxy-auth');
    expect(keys.refreshes).toBe(0);
  });

  it('rejects a 200 served from a cache as cached-response instead of returning it as data', async () => {
    const { client } = harness(
      scriptedTransport([{ ...ok(), headers: { ...ok().headers, 'x-cache': 'HIT', age: '3' } }]),
    );
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect((error as AccessDeniedError).cause).toBe('cached-response');
  });

  it('re-reads an expired cached key once and uses the new one without a failed request', async () => {
    const transport = scriptedTransport([ok()]);
    const { client, keys } = harness(transport);
    keys.current = { ...KEY_V1, expiresAt: new Date(START_MS - 1) };
    keys.rotateOnRefresh(1, KEY_V2);
    await client.callService('T', 'S');
    expect(transport.requests[0]?.headers.appKey).toBe(KEY_V2.appKey);
  });

  it('fails an expired key as expired-key without making a request', async () => {
    const transport = scriptedTransport([ok()]);
    const { client, keys, metrics } = harness(transport);
    keys.current = { ...KEY_V1, expiresAt: new Date(START_MS - 1) };
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    expect((error as AccessDeniedError).reason).toBe('expired-key');
    expect(transport.requests).toHaveLength(0);
    expect(metrics.named('AuthFailure')[0]?.dimensions).toEqual({ Cause: 'expired-key' });
  });

  it('never puts either key in logs, metrics or the error, even when the server echoes it', async () => {
    const echo = response(401, `rejected key ${KEY_V1.appKey}`, {
      'www-authenticate': `key=${KEY_V1.appKey}`,
    });
    const { client, logger, metrics } = harness(scriptedTransport([echo]));
    const error = await client.callService('T', 'S').catch((e: unknown) => e);
    const everything = `${everythingAbout(error)}\n${logger.text()}\n${JSON.stringify(metrics.recorded)}`;
    expect(everything).toContain('[REDACTED]');
    expect(everything).not.toContain(KEY_V1.appKey);
  });
});

describe('probe', () => {
  it('makes exactly one request and returns the diagnosis, comparing versions', async () => {
    const transport = scriptedTransport([unauthorized(), ok()]);
    const { client, keys, sleeps } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);
    const result = await client.probe({ thing: 'T', service: 'S' });
    expect(result).toMatchObject({ outcome: 'denied', diagnosis: { cause: 'stale-key' } });
    expect(transport.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('reports an accepted key with the server Date', async () => {
    const { client } = harness(scriptedTransport([ok()]));
    await expect(client.probe({ path: '/Thingworx/Things/T/Services/S' })).resolves.toMatchObject({
      outcome: 'accepted',
      status: 200,
    });
  });

  it("sends a service probe's inputs as its JSON body, and {} without them", async () => {
    const transport = scriptedTransport([ok(), ok()]);
    const { client } = harness(transport);
    await client.probe({ thing: 'T', service: 'S', params: { maxItems: 1, oldestFirst: true } });
    await client.probe({ thing: 'T', service: 'S' });
    expect(transport.requests.map((r) => r.body)).toEqual(['{"maxItems":1,"oldestFirst":true}', '{}']);
  });

  it('reports a non-auth failure without retrying', async () => {
    const transport = scriptedTransport([response(500, 'x'), ok()]);
    const { client } = harness(transport);
    await expect(client.probe({ thing: 'T', service: 'S' })).resolves.toMatchObject({
      outcome: 'failed',
      reason: 'endpoint-http-error',
    });
    expect(transport.requests).toHaveLength(1);
  });
});
