// The endpoint client through a real authenticating CONNECT proxy (test/support/connect-proxy.ts) to the
// HTTPS simulator over loopback: credentials from the secret, 407 named, NO_PROXY honoured, TLS to the
// server verified inside the tunnel, and neither the proxy password nor the app key in any output.
import { generate } from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CachedKeySource } from '../../../functions/app-key/cached-key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import { EndpointUnreachableError } from '../../../functions/endpoint/errors.js';
import { createNodeHttpTransport } from '../../../functions/endpoint/http-request.js';
import { parseNoProxy } from '../../../functions/endpoint/proxy-route.js';
import { ProxyRefusedError } from '../../../functions/endpoint/proxy-tunnel.js';
import { type ConnectProxy, startConnectProxy } from '../../support/connect-proxy.js';
import { clientFor, endpointFixture, QUERY } from './harness.js';

const SERVICE = 'QueryStreamEntriesWithData';
const PROXY_USER = 'svc-syncwarden';
const PROXY_PASSWORD = 'pr0xy-S3cret-value';

describe('endpoint client through an authenticating CONNECT proxy', () => {
  const fx = endpointFixture({ seed: 31, https: true, initialEntries: 50 });
  let proxy: ConnectProxy;
  let serverAuthority: string;

  beforeAll(async () => {
    proxy = await startConnectProxy({
      username: PROXY_USER,
      password: PROXY_PASSWORD,
      refuse: (authority) => (authority.startsWith('localhost:') ? 403 : undefined),
    });
    serverAuthority = new URL(fx.sim.baseUrl).host;
  });
  afterAll(async () => {
    await proxy.stop();
  });
  beforeEach(() => {
    proxy.reset();
    // Neither the password nor its Basic encoding may appear in any output.
    fx.keyValues.push(PROXY_PASSWORD, Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'));
  });

  /** The current key in the secret, plus the given extra fields (proxy credentials, CAs). */
  function withSecretFields(fields: Record<string, unknown>): void {
    fx.secret.value = JSON.stringify({ ...JSON.parse(fx.secret.value), ...fields });
  }

  function proxiedClient(
    options: { noProxy?: string; baseUrl?: string; trustSimulatorPerRequest?: boolean } = {},
  ) {
    let keySource: CachedKeySource | undefined;
    const transport = createNodeHttpTransport({
      proxy: { url: new URL(proxy.url), noProxy: parseNoProxy('NO_PROXY', options.noProxy) },
      connectionSecrets: () => (keySource as CachedKeySource).get(),
    });
    const harness = clientFor(
      fx.sim,
      {
        retry: { maxAttempts: 2 },
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        ...(options.trustSimulatorPerRequest === false ? { caCertificatePem: undefined } : {}),
      },
      { transport },
    );
    keySource = harness.keySource;
    return harness;
  }

  it('reaches the HTTPS server through the proxy with the credentials from the secret', async () => {
    fx.newKey();
    withSecretFields({ proxy: { username: PROXY_USER, password: PROXY_PASSWORD } });
    const { client } = proxiedClient();

    const first = await client.callService(fx.sim.thing, SERVICE, QUERY);
    const second = await client.callService(fx.sim.thing, SERVICE, QUERY);

    expect([first.rows.length, second.rows.length]).toEqual([5, 5]);
    expect(proxy.connects).toEqual([
      { authority: serverAuthority, authorization: 'accepted', status: 200 },
      { authority: serverAuthority, authorization: 'accepted', status: 200 },
    ]);
    expect(fx.sim.requests.count({ status: 200 })).toBe(2);
  });

  it('names a 407 from the proxy as proxy-auth when the secret has no proxy credentials, and the server sees nothing', async () => {
    fx.newKey();
    const { client, sleeps } = proxiedClient();

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).diagnosis.cause).toBe('proxy-auth');
    expect((error as Error).message).toContain('407');
    expect(proxy.connects.map((c) => c.authorization)).toEqual(['none']);
    expect(fx.sim.requests.count()).toBe(0);
    expect(sleeps).toEqual([]); // a proxy denial is not retried, nor is the secret re-read and waited for
  });

  it('names a wrong proxy password as proxy-auth without the password appearing anywhere', async () => {
    fx.newKey();
    fx.keyValues.push('not-the-password', Buffer.from(`${PROXY_USER}:not-the-password`).toString('base64'));
    withSecretFields({ proxy: { username: PROXY_USER, password: 'not-the-password' } });
    const { client } = proxiedClient();

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect((error as AccessDeniedError).diagnosis.cause).toBe('proxy-auth');
    expect(proxy.connects.map((c) => c.authorization)).toEqual(['wrong']);
    expect(JSON.stringify(error)).not.toContain('not-the-password');
  });

  it('goes straight to a host NO_PROXY lists, never through the proxy', async () => {
    fx.newKey();
    const { client } = proxiedClient({ noProxy: 'intranet.example, 127.0.0.1' });

    const answer = await client.callService(fx.sim.thing, SERVICE, QUERY);

    expect(answer.rows).toHaveLength(5);
    expect(proxy.connects).toEqual([]);
  });

  it('fails at once, without retries, when the proxy refuses the destination', async () => {
    fx.newKey();
    withSecretFields({ proxy: { username: PROXY_USER, password: PROXY_PASSWORD } });
    const { client, sleeps } = proxiedClient({ baseUrl: fx.sim.baseUrl.replace('127.0.0.1', 'localhost') });

    const error = await client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProxyRefusedError);
    expect((error as Error).message).toMatch(/refused the tunnel with 403.*NO_PROXY/);
    expect(proxy.connects).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('reaches the server through an https:// proxy, trusting both certificates from the extra CAs', async () => {
    // Its own subject: OpenSSL finds a certificate's issuer by subject, and the simulator's is "localhost".
    const pems = await generate([{ name: 'commonName', value: 'Test Proxy' }], {
      keyType: 'ec',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const tlsProxy = await startConnectProxy({
      username: PROXY_USER,
      password: PROXY_PASSWORD,
      tls: { keyPem: pems.private, certPem: pems.cert },
    });
    try {
      fx.newKey();
      withSecretFields({ proxy: { username: PROXY_USER, password: PROXY_PASSWORD } });
      let keySource: CachedKeySource | undefined;
      const transport = createNodeHttpTransport({
        proxy: { url: new URL(tlsProxy.url), noProxy: [] },
        extraCaPems: [pems.cert, fx.sim.caCertificatePem as string],
        connectionSecrets: () => (keySource as CachedKeySource).get(),
      });
      const harness = clientFor(fx.sim, { caCertificatePem: undefined }, { transport });
      keySource = harness.keySource;

      expect((await harness.client.callService(fx.sim.thing, SERVICE, QUERY)).rows).toHaveLength(5);
      expect(tlsProxy.url).toMatch(/^https:/);
      expect(tlsProxy.tunnelled()).toEqual([
        { authority: serverAuthority, authorization: 'accepted', status: 200 },
      ]);
    } finally {
      await tlsProxy.stop();
    }
  });

  it('reports an unreachable proxy as a network failure naming the proxy, and retries it', async () => {
    fx.newKey();
    const closed = await startConnectProxy();
    const closedUrl = closed.url;
    await closed.stop();
    let keySource: CachedKeySource | undefined;
    const transport = createNodeHttpTransport({
      proxy: { url: new URL(closedUrl), noProxy: [] },
      connectionSecrets: () => (keySource as CachedKeySource).get(),
    });
    const harness = clientFor(fx.sim, { retry: { maxAttempts: 2 } }, { transport });
    keySource = harness.keySource;

    const error = await harness.client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointUnreachableError);
    expect((error as Error).message).toContain(`via proxy ${closedUrl}: ECONNREFUSED`);
    expect(harness.sleeps).toHaveLength(1);
  });

  it('verifies the server certificate inside the tunnel, trusting a CA from the secret besides the system roots', async () => {
    fx.newKey();
    withSecretFields({ proxy: { username: PROXY_USER, password: PROXY_PASSWORD } });
    const untrusted = proxiedClient({ trustSimulatorPerRequest: false });

    const refused = await untrusted.client.callService(fx.sim.thing, SERVICE, QUERY).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EndpointUnreachableError);
    expect((refused as Error).message).toMatch(/SELF_SIGNED|self.signed|certificate/i);
    expect(fx.sim.requests.count()).toBe(0);

    withSecretFields({ caCertificatesPem: fx.sim.caCertificatePem });
    const trusted = proxiedClient({ trustSimulatorPerRequest: false });
    const answer = await trusted.client.callService(fx.sim.thing, SERVICE, QUERY);

    expect(answer.rows).toHaveLength(5);
    expect(proxy.tunnelled().length).toBeGreaterThanOrEqual(2);
  });
});
