// A skew target behind the endpoint's forward proxy is measurable: through a real CONNECT proxy the true
// offset stays inside the reported bound (the relay only widens it), a CA trusted besides Node's roots
// verifies the target inside the tunnel, and a proxy that refuses the tunnel fails the measurement
// instead of lending its own Date.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureTarget } from '../../../functions/clock-skew/measure.js';
import { anchoredClock } from '../../../functions/clock-skew/measurement-clock.js';
import { createHttpProbeTransport } from '../../../functions/clock-skew/probe-transport.js';
import { ProxyCredentials } from '../../../functions/endpoint/proxy-route.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { type ConnectProxy, startConnectProxy } from '../../support/connect-proxy.js';

const TRUE_OFFSET_MS = -1_234.5;

describe('clock-skew measurement through an authenticating CONNECT proxy', () => {
  let sim: ThingWorxSimulator;
  let proxy: ConnectProxy;
  beforeAll(async () => {
    sim = await startThingWorxSimulator({ https: true, clockOffsetMs: TRUE_OFFSET_MS });
    proxy = await startConnectProxy({ username: 'svc-skew', password: 'skew-pa55' });
  });
  afterAll(async () => {
    await proxy.stop();
    await sim.stop();
  });

  const target = () => ({ name: 'sim', url: new URL(`${sim.baseUrl}/Thingworx/`), toleranceMs: 5000 });

  it('keeps the true offset inside the bound, over one kept-alive tunnel', async () => {
    proxy.reset();
    const transport = createHttpProbeTransport({
      extraCaPems: [sim.caCertificatePem as string],
      proxy: { url: new URL(proxy.url), noProxy: [] },
      proxyCredentials: async () => new ProxyCredentials('svc-skew', 'skew-pa55'),
    });
    try {
      const result = await measureTarget(target(), { transport, startClock: anchoredClock });

      expect(result).toMatchObject({ outcome: 'measured' });
      if (result.outcome !== 'measured') return;
      expect(Math.abs(result.offsetMs - TRUE_OFFSET_MS)).toBeLessThanOrEqual(result.boundMs);
      expect(proxy.tunnelled()).toHaveLength(1); // the CONNECT happened once, outside every bracket
    } finally {
      transport.close();
    }
  }, 60_000);

  it("fails the measurement when the proxy refuses the tunnel, never reading the proxy's Date", async () => {
    proxy.reset();
    sim.requests.reset();
    const transport = createHttpProbeTransport({
      extraCaPems: [sim.caCertificatePem as string],
      proxy: { url: new URL(proxy.url), noProxy: [] },
    });
    try {
      const result = await measureTarget(target(), { transport, startClock: anchoredClock });

      expect(result).toMatchObject({ outcome: 'failed' });
      expect(JSON.stringify(result)).toMatch(/407/);
      expect(sim.requests.count()).toBe(0);
      expect(proxy.tunnelled()).toHaveLength(0);
    } finally {
      transport.close();
    }
  }, 60_000);
});
