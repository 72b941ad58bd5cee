// Each Access Denied cause, produced by the simulator's matching fault or condition over real HTTP
// and classified by the client, with the key absent from every byte of output.
import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import { EndpointHttpError } from '../../../functions/endpoint/errors.js';
import { nodeHttpTransport } from '../../../functions/endpoint/http-request.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { authFailures, clientFor, endpointFixture, QUERY } from './harness.js';

describe('Access Denied causes against the simulator', () => {
  const fx = endpointFixture({ seed: 11, initialEntries: 30 });
  const newKey = fx.newKey;

  async function denial(promise: Promise<unknown>): Promise<AccessDeniedError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AccessDeniedError);
    for (const key of fx.keyValues) expect(everythingAbout(error)).not.toContain(key);
    return error as AccessDeniedError;
  }

  it('classifies a 401 after a rotation as stale-key and recovers with the new version', async () => {
    const old = newKey();
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY);
    fx.sim.keys.revoke(old.name);
    newKey();

    await expect(
      client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY),
    ).resolves.toBeDefined();

    expect(fx.sim.requests.list().map((r) => r.status)).toEqual([200, 401, 200]);
    expect(authFailures(fx.capture.output)).toEqual({ logged: ['stale-key'], counted: ['stale-key'] });
  });

  it('classifies an expired key as expired-key before sending anything', async () => {
    const past = Date.now() - 60_000;
    newKey({ expiresAtMs: past }, new Date(past).toISOString());
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('expired-key');
    expect(fx.sim.requests.count()).toBe(0);
    expect(authFailures(fx.capture.output).counted).toEqual(['expired-key']);
  });

  it('classifies a revoked key as invalid-key', async () => {
    const key = newKey();
    fx.sim.keys.revoke(key.name);
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('invalid-key');
    expect(error.evidence).toMatchObject({ status: 401, versionIdUsed: 'ver-1', versionIdCurrent: 'ver-1' });
  });

  it('classifies a missing service permission as permission-denied', async () => {
    newKey({ user: 'SyncUser' });
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('permission-denied');
    expect(error.evidence.bodySnippet).toMatch(
      /Not authorized for ServiceInvoke on QueryStreamEntriesWithData/,
    );
  });

  it('classifies the content-type filter refusing a rewritten Content-Type as content-type-rejected', async () => {
    newKey();
    // A gateway that rewrites Content-Type; the client itself always sends application/json.
    const rewriting = clientFor(
      fx.sim,
      {},
      {
        transport: (request) =>
          nodeHttpTransport({ ...request, headers: { ...request.headers, 'Content-Type': 'text/plain' } }),
      },
    );

    const error = await denial(
      rewriting.client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY),
    );

    expect(error.cause).toBe('content-type-rejected');
    expect(error.evidence.status).toBe(403);
  });

  it('classifies a proxy 407 as proxy-auth with Via and Proxy-Authenticate as evidence', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'proxyAuth' });
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('proxy-auth');
    expect(error.evidence.headers).toMatchObject({
      'proxy-authenticate': 'Basic realm="corporate-proxy"',
      via: expect.stringContaining('squid'),
    });
    expect(fx.secret.reads()).toBe(1); // no refresh: the key is not the problem
  });

  it('classifies a 200 HTML login page as proxy-auth instead of returning it as data', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'htmlLogin' });
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('proxy-auth');
    expect(error.evidence.status).toBe(200);
  });

  it('classifies a replayed cache answer (X-Cache HIT, frozen Date) as cached-response', async () => {
    newKey();
    fx.sim.faults.set({ kind: 'frozenDate' });
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('cached-response');
    expect(error.evidence.headers).toMatchObject({ 'x-cache': 'HIT' });
  });

  it('classifies a key expired only by a server clock an hour ahead as clock-skew', async () => {
    const expiresAtMs = Date.now() + 10 * 60_000;
    newKey({ expiresAtMs }, new Date(expiresAtMs).toISOString());
    fx.sim.clock.setOffsetMs(3_600_000);
    const { client } = clientFor(fx.sim);

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('clock-skew');
    expect(error.evidence.responseClockOffsetMs).toBeGreaterThan(3_500_000);
    expect(error.evidence.signals.join()).toMatch(/expired by the server clock/);
  });

  it('refuses to send a key in the URL (key-in-url) without a request', async () => {
    newKey();
    const { client } = clientFor(fx.sim);

    const error = await denial(client.getJson('/Thingworx/Things?appKey=1'));

    expect(error.cause).toBe('key-in-url');
    expect(fx.sim.requests.count()).toBe(0);
  });

  it("reads ThingWorx's bare 401 to a key moved into the URL by a rewriting layer as invalid-key, naming that reason", async () => {
    const key = newKey();
    const leaking = clientFor(
      fx.sim,
      {},
      {
        transport: (request) => {
          const url = new URL(request.url);
          url.searchParams.set('appKey', key.keyId);
          return nodeHttpTransport({ ...request, url });
        },
      },
    );

    const error = await denial(leaking.client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    // The server's answer cannot say it (the reason goes only to SecurityLog.log); the action does.
    expect(error.cause).toBe('invalid-key');
    expect(error.evidence).toMatchObject({ status: 401, bodySnippet: '' });
    expect(error.diagnosis.action).toMatch(/ApplicationKey Is Not Allowed As A URL Parameter/);
    expect(fx.sim.requests.list().at(-1)?.refusal).toBe('url-parameter');
  });

  it('fails a body spoiled on the way (406) with its meaning, not as an Access Denied', async () => {
    newKey();
    const spoiling = clientFor(
      fx.sim,
      {},
      { transport: (request) => nodeHttpTransport({ ...request, body: '{"maxItems": ' }) },
    );

    const error = await spoiling.client
      .callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as EndpointHttpError).status).toBe(406);
    expect((error as Error).message).toMatch(/not valid JSON/);
    expect(authFailures(fx.capture.output).counted).toEqual([]);
  });

  it('survives a gateway that strips Content-Type (ThingWorx answers 500): retried, then failed with the status', async () => {
    newKey();
    const stripping = clientFor(
      fx.sim,
      { retry: { maxAttempts: 2 } },
      {
        transport: ({ headers: { 'Content-Type': _dropped, ...headers }, ...request }) =>
          nodeHttpTransport({ ...request, headers }),
      },
    );

    const error = await stripping.client
      .callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as Error).message).toMatch(/answered 500 after 2 attempts/);
    expect(fx.sim.requests.list().map((r) => r.refusal)).toEqual(['no-content-type', 'no-content-type']);
    expect(authFailures(fx.capture.output).counted).toEqual([]);
  });

  it('sends X-XSRF-TOKEN: TWX-XSRF-TOKEN-VALUE on every request, as PTC clients do', async () => {
    newKey();
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY);
    await client.getJson('/Thingworx/ApplicationKeys');
    await client.probe({ thing: fx.sim.thing, service: 'QueryStreamEntriesWithData' });

    expect(fx.sim.requests.list().map((r) => r.hadXsrfToken)).toEqual([true, true, true]);
  });

  it('notes that a key refused intermittently was accepted earlier in the run', async () => {
    newKey();
    const { client } = clientFor(fx.sim);
    await client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY);
    fx.sim.faults.set({ kind: 'authFlap', status: 401 });

    const error = await denial(client.callService(fx.sim.thing, 'QueryStreamEntriesWithData', QUERY));

    expect(error.cause).toBe('invalid-key');
    expect(error.evidence.sameKeyAcceptedEarlier).toBe(true);
  });

  it('lets operator tooling probe with one request and get the diagnosis', async () => {
    const key = newKey();
    fx.sim.keys.revoke(key.name);
    const { client } = clientFor(fx.sim);

    const result = await client.probe({ thing: fx.sim.thing, service: 'QueryStreamEntriesWithData' });

    expect(result).toMatchObject({ outcome: 'denied', diagnosis: { cause: 'invalid-key' } });
    expect(fx.sim.requests.count()).toBe(1);
  });
});
