// How the simulator authenticates and refuses requests, as ThingWorx does, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InfoTable,
  startThingWorxSimulator,
  type ThingWorxSimulator,
  UNAUTHORIZED_MESSAGE,
  URL_KEY_MESSAGE,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rawRequest } from './client.js';

describe('ThingWorx simulator: authentication and refusals', () => {
  let sim: ThingWorxSimulator;
  const query = { maxItems: 5, oldestFirst: true };

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 7, initialEntries: 20 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('answers a valid key with the InfoTable', async () => {
    const { keyId } = sim.keys.add({ name: 'valid' });

    const response = await call(sim.queryUrl, { appKey: keyId, body: query });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as InfoTable).rows).toHaveLength(5);
  });

  it('refuses a request without an appKey header with 401', async () => {
    const response = await call(sim.queryUrl, { body: query });

    expect(response.status).toBe(401);
    expect(await response.text()).toBe(UNAUTHORIZED_MESSAGE);
    expect(sim.requests.list().at(-1)?.refusal).toBe('missing');
  });

  it('refuses an unknown key with 401', async () => {
    const response = await call(sim.queryUrl, {
      appKey: 'd8f6b4a2-0000-4000-8000-000000000000',
      body: query,
    });

    expect(response.status).toBe(401);
    expect(sim.requests.list().at(-1)?.refusal).toBe('unknown');
  });

  it('refuses a revoked key with 401, by name or by key id', async () => {
    const byName = sim.keys.add({ name: 'revoked-by-name' });
    const byId = sim.keys.add({ name: 'revoked-by-id' });
    sim.keys.revoke('revoked-by-name');
    sim.keys.revoke(byId.keyId);

    const first = await call(sim.queryUrl, { appKey: byName.keyId, body: query });
    const second = await call(sim.queryUrl, { appKey: byId.keyId, body: query });

    expect([first.status, second.status]).toEqual([401, 401]);
    expect(sim.requests.list().at(-1)?.refusal).toBe('revoked');
  });

  it('refuses an expired key with 401, judging expiry on the server clock', async () => {
    const { keyId } = sim.keys.add({ name: 'expires-soon', expiresAtMs: sim.clock.nowMs() + 60_000 });
    expect((await call(sim.queryUrl, { appKey: keyId, body: query })).status).toBe(200);

    sim.clock.setOffsetMs(120_000); // the server's clock runs two minutes ahead: the key has expired there
    try {
      const response = await call(sim.queryUrl, { appKey: keyId, body: query });
      expect(response.status).toBe(401);
      expect(sim.requests.list().at(-1)?.refusal).toBe('expired');
    } finally {
      sim.clock.setOffsetMs(0);
    }
  });

  it('refuses a key set to expire in the past', async () => {
    const { keyId } = sim.keys.add({ name: 'expired-now' });
    sim.keys.setExpiration('expired-now', sim.clock.nowMs() - 1);

    expect((await call(sim.queryUrl, { appKey: keyId, body: query })).status).toBe(401);
  });

  it('refuses a key in the URL with 401 "ApplicationKey Is Not Allowed As A URL Parameter", even with a valid header', async () => {
    const { keyId } = sim.keys.add({ name: 'in-url' });

    const response = await call(`${sim.queryUrl}?appKey=${keyId}`, { appKey: keyId, body: query });

    expect(response.status).toBe(401);
    expect(await response.text()).toBe(URL_KEY_MESSAGE);
    const recorded = sim.requests.list().at(-1);
    expect(recorded?.refusal).toBe('url-parameter');
    expect(recorded?.query).toEqual({ appKey: '[redacted]' });
  });

  it('refuses a user without permission on the service with 403 "Not authorized for ServiceInvoke"', async () => {
    const { keyId } = sim.keys.add({ name: 'reader', user: 'reader' });

    const denied = await call(sim.queryUrl, { appKey: keyId, body: query });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('Not authorized for ServiceInvoke');

    sim.keys.grant('reader', 'QueryStreamEntriesWithData');
    expect((await call(sim.queryUrl, { appKey: keyId, body: query })).status).toBe(200);
  });

  it('lets a denial beat the Administrator default', async () => {
    const { keyId } = sim.keys.add({ name: 'admin-denied', user: 'Administrator' });
    sim.keys.deny('Administrator', 'QueryStreamEntriesWithData');
    try {
      const response = await call(sim.queryUrl, { appKey: keyId, body: query });
      expect(response.status).toBe(403);
    } finally {
      sim.keys.grant('Administrator', 'QueryStreamEntriesWithData');
    }
  });

  it('refuses a POST whose Content-Type is not JSON with 403 (the CSRF content-type filter)', async () => {
    const { keyId } = sim.keys.add({ name: 'form-poster' });

    const form = await call(sim.queryUrl, {
      appKey: keyId,
      contentType: 'application/x-www-form-urlencoded',
      body: 'maxItems=5',
    });
    const none = await call(sim.queryUrl, { appKey: keyId, contentType: null, body: '{}' });
    const withCharset = await call(sim.queryUrl, {
      appKey: keyId,
      contentType: 'application/json; charset=utf-8',
      body: query,
    });

    expect([form.status, none.status, withCharset.status]).toEqual([403, 403, 200]);
  });

  it('refuses GET and HEAD on a service path with 405 and Allow: POST', async () => {
    const { keyId } = sim.keys.add({ name: 'getter' });

    const get = await call(sim.queryUrl, { appKey: keyId, method: 'GET' });
    const head = await call(sim.queryUrl, { appKey: keyId, method: 'HEAD' });

    expect([get.status, head.status]).toEqual([405, 405]);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers an HTML table instead of JSON when the client does not ask for JSON', async () => {
    const { keyId } = sim.keys.add({ name: 'no-accept' });

    const response = await call(sim.queryUrl, { appKey: keyId, accept: null, body: query });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<table>');
  });

  it('answers 404 for an unknown Thing or service, and outside /Thingworx', async () => {
    const { keyId } = sim.keys.add({ name: 'explorer' });

    const thing = await call(`${sim.baseUrl}/Thingworx/Things/Nope/Services/QueryStreamEntriesWithData`, {
      appKey: keyId,
    });
    const service = await call(`${sim.baseUrl}/Thingworx/Things/${sim.thing}/Services/Nope`, {
      appKey: keyId,
    });
    const outside = await call(`${sim.baseUrl}/elsewhere`, { method: 'GET' });

    expect([thing.status, service.status, outside.status]).toEqual([404, 404, 404]);
  });

  it('answers 400 to a body that is not a JSON object, and 500 to an unusable input', async () => {
    const { keyId } = sim.keys.add({ name: 'sloppy' });

    const broken = await call(sim.queryUrl, { appKey: keyId, body: '{"maxItems": ' });
    const badDate = await call(sim.queryUrl, { appKey: keyId, body: { startDate: 'yesterday-ish' } });

    expect(broken.status).toBe(400);
    expect(badDate.status).toBe(500);
    expect(await badDate.text()).toMatch(
      /^Unable to Invoke Service QueryStreamEntriesWithData on SensorStream/,
    );
  });

  it('refuses a key used from an address outside its IP whitelist', async () => {
    const elsewhere = sim.keys.add({ name: 'whitelisted-elsewhere', ipWhitelist: ['10.0.0.8'] });
    const here = sim.keys.add({ name: 'whitelisted-here', ipWhitelist: ['127.0.0.1'] });

    const refused = await call(sim.queryUrl, { appKey: elsewhere.keyId, body: query });
    const allowed = await call(sim.queryUrl, { appKey: here.keyId, body: query });

    expect([refused.status, allowed.status]).toEqual([401, 200]);
    expect(sim.requests.list({ status: 401 }).at(-1)?.refusal).toBe('ip-not-allowed');
  });

  it('answers HEAD and GET on /Thingworx/ with a Date header, with or without a key', async () => {
    const { keyId } = sim.keys.add({ name: 'prober' });

    const anonymous = await rawRequest(`${sim.baseUrl}/Thingworx/`, { method: 'HEAD' });
    const keyed = await rawRequest(`${sim.baseUrl}/Thingworx/`, {
      method: 'GET',
      headers: { appKey: keyId },
    });
    const root = await rawRequest(`${sim.baseUrl}/`, { method: 'HEAD' });

    expect([anonymous.status, keyed.status, root.status]).toEqual([401, 200, 404]);
    for (const response of [anonymous, keyed, root]) {
      expect(Date.parse(String(response.headers.date))).not.toBeNaN();
    }
  });

  it('never records a key value, neither a header nor a query parameter nor a body field', async () => {
    const { keyId } = sim.keys.add({ name: 'secretive' });
    await call(sim.queryUrl, { appKey: keyId, body: query });
    await call(`${sim.queryUrl}?appKey=${keyId}`, { body: query });
    await call(sim.queryUrl, { appKey: keyId, body: { ...query, appKey: keyId } });

    const recorded = JSON.stringify([sim.requests.list(), sim.keys.list()]);

    expect(recorded).not.toContain(keyId);
    expect(sim.requests.list().at(-3)).toMatchObject({ hadAppKeyHeader: true, keyName: 'secretive' });
  });
});
