// What stands in front of ThingWorx, found by doctor against the simulator's faults and a real caching
// proxy over loopback: a proxy's 407, a login page, a cache that says so, caches that do not, a flapping
// auth layer, a missing Thing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CachingProxy, startCachingProxy } from '../../support/caching-proxy.js';
import { doctorFixture, statuses } from './doctor-harness.js';

const NO_CLOCK = ['--skip', 'clock,stream,throughput'];

describe('doctor: proxy, cache and what answers for the server', () => {
  const fx = doctorFixture();
  let cache: CachingProxy | undefined;
  afterEach(async () => {
    await cache?.stop();
    cache = undefined;
  });

  it('gives a clean report, every family included, with exit code 0', async () => {
    const run = await fx.run(fx.keyFile({ expiresAtMs: fx.sim.clock.nowMs() + 30 * 86_400_000 }), [
      '--clock-requests',
      '3',
    ]);

    const failedOrWarned = Object.entries(run.checks).filter(([, c]) => c.status !== 'ok');
    expect(failedOrWarned).toEqual([]);
    expect(Object.keys(run.checks)).toEqual([
      'network.dns',
      'network.connect',
      'network.tls',
      'network.http',
      'proxy.auth',
      'cache.headers',
      'cache.key-in-cache-key',
      'key.accepted',
      'key.expiry',
      'permission.invoke',
      'content.json',
      'content.type',
      'clock.offset',
      'clock.pool',
      'stream.fields',
      'stream.bounds',
      'stream.order',
      'stream.cap',
      'stream.groups',
      'stream.profile',
      'throughput',
    ]);
    expect(run.code).toBe(0);
  });

  it("names a proxy's 407 with its Proxy-Authenticate and Via, and skips what only the server can answer", async () => {
    fx.sim.faults.set({ kind: 'proxyAuth' });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(run.checks['proxy.auth']).toMatchObject({ status: 'FAIL', cause: 'proxy-auth' });
    expect(run.checks['proxy.auth']?.evidence).toMatch(
      /407.*Proxy-Authenticate: Basic realm="corporate-proxy".*Via: 1\.1 corp-proxy/,
    );
    expect(statuses(run, ['cache', 'key', 'permission'])).toEqual({
      cache: 'skip',
      key: 'skip',
      permission: 'skip',
    });
    expect(run.code).toBe(1);
  });

  it('names an HTML login page answered with 200 as a gateway in front', async () => {
    fx.sim.faults.set({ kind: 'htmlLogin' });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(run.checks['proxy.auth']).toMatchObject({ status: 'FAIL', cause: 'proxy-auth' });
    expect(run.checks['proxy.auth']?.evidence).toContain('an HTML login page answered instead of JSON');
  });

  it('names a cache that says so (X-Cache: HIT, Age) as cached-response', async () => {
    fx.sim.faults.set({ kind: 'frozenDate' });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(run.checks['cache.headers']).toMatchObject({ status: 'FAIL', cause: 'cached-response' });
    expect(run.checks['cache.headers']?.evidence).toMatch(/x-cache: HIT/i);
    expect(run.checks.key?.status).toBe('skip');
  });

  it('finds a quiet cache (no Age, no X-Cache) by the made-up key it answers like the real one', async () => {
    fx.sim.faults.set({ kind: 'frozenDate', hidden: true });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(statuses(run, ['cache.headers', 'cache.key-in-cache-key'])).toEqual({
      'cache.headers': 'ok',
      'cache.key-in-cache-key': 'FAIL',
    });
    expect(run.checks['cache.key-in-cache-key']?.evidence).toContain(
      'a made-up key was answered like the real one',
    );
  });

  it('names a real caching proxy keyed on method and URL only, which stores 401s too', async () => {
    cache = await startCachingProxy({ upstream: fx.sim.baseUrl });

    const run = await fx.run(fx.keyFile(), NO_CLOCK, cache.url);

    expect(run.checks['cache.key-in-cache-key']).toMatchObject({ status: 'FAIL', cause: 'cached-response' });
    expect(run.checks['cache.key-in-cache-key']?.evidence).toContain(
      'a cache in front stores answers without the key',
    );
    expect(run.checks['proxy.auth']?.evidence).toContain('Via: 1.1 test-cache');
    expect(cache.hits).toBeGreaterThan(0);
  });

  it("names a caching proxy that stores only 401s: the made-up key's 401 replayed to the valid key", async () => {
    cache = await startCachingProxy({ upstream: fx.sim.baseUrl, statuses: [401] });

    const run = await fx.run(fx.keyFile(), NO_CLOCK, cache.url);

    expect(run.checks['cache.key-in-cache-key']).toMatchObject({ status: 'FAIL', cause: 'cached-response' });
    expect(run.checks['cache.key-in-cache-key']?.evidence).toContain(
      'replays authentication answers to valid keys',
    );
  });

  it('passes the cache check behind a proxy that caches nothing it must not (its Via noted)', async () => {
    cache = await startCachingProxy({ upstream: fx.sim.baseUrl, statuses: [] });

    const run = await fx.run(fx.keyFile(), NO_CLOCK, cache.url);

    expect(statuses(run, ['proxy.auth', 'cache.headers', 'cache.key-in-cache-key', 'key.accepted'])).toEqual({
      'proxy.auth': 'ok',
      'cache.headers': 'ok',
      'cache.key-in-cache-key': 'ok',
      'key.accepted': 'ok',
    });
  });

  it('names a key accepted and refused by the same address (authFlap) as intermittent, not as a cache', async () => {
    fx.sim.faults.set({ kind: 'authFlap', next: 2 });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(run.checks['key.accepted']).toMatchObject({ status: 'FAIL', cause: 'invalid-key' });
    expect(run.checks['key.accepted']?.evidence).toMatch(
      /^intermittent: \d of \d requests accepted the key, 2 refused it/,
    );
    expect(run.checks['cache.key-in-cache-key']?.status).not.toBe('FAIL');
  });

  it('names a permission granted by some answers and refused by others (authFlap 403) as intermittent', async () => {
    fx.sim.faults.set({ kind: 'authFlap', status: 403, next: 2 });

    const run = await fx.run(fx.keyFile(), NO_CLOCK);

    expect(run.checks['key.accepted']?.status).toBe('ok');
    expect(run.checks['permission.invoke']).toMatchObject({ status: 'FAIL', cause: 'permission-denied' });
    expect(run.checks['permission.invoke']?.evidence).toMatch(/^intermittent: .* refused 2 times/);
  });

  it('notes a redirect without following it, quoting its Location without the query, and names a login redirect', async () => {
    const sso = http.createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: '/sso/login?session=tok-8817', 'content-length': '0' }).end();
    });
    await new Promise<void>((resolve) => sso.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(sso.address() as AddressInfo).port}`;
      const run = await fx.run(fx.keyFile(), NO_CLOCK, endpoint);

      expect(run.checks['network.http']?.status).toBe('WARN');
      expect(run.checks['network.http']?.evidence).toContain(
        'answered 302, a redirect to /sso/login (not followed)',
      );
      expect(run.checks['proxy.auth']).toMatchObject({ status: 'FAIL', cause: 'proxy-auth' });
      expect(run.stdout).not.toContain('tok-8817');
    } finally {
      sso.closeAllConnections();
      await new Promise((resolve) => sso.close(resolve));
    }
  });

  it('names a Thing that does not exist (404), and a 403 instead of 404 as permission with the Thing to check', async () => {
    const file = fx.keyFile();
    const missing = await fx.run(file, [...NO_CLOCK, '--thing', 'NoSuchThing']);
    fx.sim.faults.set({ kind: 'notFoundAsForbidden' });
    const forbidden = await fx.run(file, [...NO_CLOCK, '--thing', 'NoSuchThing']);

    expect(missing.checks['permission.invoke']?.status).toBe('FAIL');
    expect(missing.checks['permission.invoke']?.evidence).toContain('there is no Thing NoSuchThing');
    expect(forbidden.checks['permission.invoke']).toMatchObject({
      status: 'FAIL',
      cause: 'permission-denied',
    });
    expect(forbidden.checks['permission.invoke']?.action).toContain('check that NoSuchThing is the Thing');
  });
});
