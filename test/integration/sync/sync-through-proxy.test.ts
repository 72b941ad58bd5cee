// The sync's own composition root (loadSyncConfig + createSyncDependencies, as the Lambda builds them)
// against the simulator through a real authenticating CONNECT proxy: every request of a run goes through
// the proxy with the credentials from the key's secret, NO_PROXY is honoured, and the password appears
// in no log line, metric or ledger item.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectProxy, startConnectProxy } from '../../support/connect-proxy.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const PROXY_USER = 'svc-sync';
const PROXY_PASSWORD = 'sync-pr0xy-pa55';

function addProxyCredentials(h: SyncHarness): void {
  const secret = JSON.parse(readFileSync(h.keyFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    h.keyFile,
    JSON.stringify({ ...secret, proxy: { username: PROXY_USER, password: PROXY_PASSWORD } }),
  );
}

describe('a sync run behind an authenticating forward proxy', () => {
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy({ username: PROXY_USER, password: PROXY_PASSWORD });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('sends every request of the run through the proxy and syncs without gaps', async () => {
    const h = await startSyncHarness('via-proxy', {
      env: { ENDPOINT_PROXY_URL: proxy.url },
      simulator: { initialEntries: 350 },
    });
    try {
      addProxyCredentials(h);
      proxy.reset();

      const summary = await h.run();

      expect(summary).toMatchObject({ outcome: 'succeeded', recordsWritten: 350, caughtUp: true });
      expect((await h.gapReport()).missingKeys).toEqual([]);
      const serverRequests = h.sim.requests.count();
      expect(serverRequests).toBeGreaterThan(1);
      expect(proxy.tunnelled()).toHaveLength(serverRequests);
      expect(proxy.connects.every((c) => c.authorization === 'accepted')).toBe(true);
      // The simulator speaks plain HTTP here, so the tunnel shows what it received: the key in its header,
      // and the proxy's credentials nowhere (they went to the proxy alone, on the CONNECT).
      expect(proxy.relayedToServer()).toMatch(/\r\nappKey: /);
      expect(proxy.relayedToServer().toLowerCase()).not.toContain('proxy-authorization');
      const observed = JSON.stringify([h.logger.recorded, h.metrics, summary, proxy.connects]);
      expect(observed).not.toContain(PROXY_PASSWORD);
      expect(observed).not.toContain(Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'));
    } finally {
      await h.close();
    }
  });

  it('fails the run with the proxy-auth cause when the secret has no proxy credentials', async () => {
    const h = await startSyncHarness('proxy-407', { env: { ENDPOINT_PROXY_URL: proxy.url } });
    try {
      proxy.reset();

      await expect(h.run()).rejects.toMatchObject({ diagnosis: { cause: 'proxy-auth' } });
      expect(h.sim.requests.count()).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('goes direct to a host NO_PROXY lists', async () => {
    const h = await startSyncHarness('no-proxy', {
      env: { ENDPOINT_PROXY_URL: proxy.url, NO_PROXY: 'localhost,127.0.0.1' },
      simulator: { initialEntries: 20 },
    });
    try {
      proxy.reset();

      expect(await h.run()).toMatchObject({ outcome: 'succeeded', recordsWritten: 20 });
      expect(proxy.connects).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
