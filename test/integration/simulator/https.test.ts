// HTTPS with a self-signed certificate made at start: trusted through `ca`, refused without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { rawRequest } from './client.js';

describe('ThingWorx simulator over HTTPS', () => {
  let sim: ThingWorxSimulator;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ https: true, initialEntries: 5 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('serves https://127.0.0.1 and hands out its certificate', () => {
    expect(sim.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caCertificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('answers a service call from a client that trusts the certificate', async () => {
    const { keyId } = sim.keys.add();

    const response = await rawRequest(sim.queryUrl, {
      method: 'POST',
      headers: { appKey: keyId, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ maxItems: 3 }),
      ca: sim.caCertificatePem,
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).rows).toHaveLength(3);
    expect(Date.parse(String(response.headers.date))).not.toBeNaN();
  });

  it('is refused by a client that does not trust it', async () => {
    await expect(rawRequest(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD' })).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    await expect(fetch(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD' })).rejects.toThrow(/fetch failed/);
  });

  it('leaves plain HTTP without a certificate', async () => {
    const plain = await startThingWorxSimulator();
    try {
      expect(plain.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.caCertificatePem).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });
});
