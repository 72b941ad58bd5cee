// How the simulator authenticates and refuses requests, as ThingWorx does, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InfoTable,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rawRequest, rowsOf } from './client.js';

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

  it('refuses a request without an appKey header with a bare 401 (ThingWorx documents no 401 body)', async () => {
    const response = await call(sim.queryUrl, { body: query });

    expect(response.status).toBe(401);
    expect(await response.text()).toBe('');
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

  it('refuses a key in the URL with a bare 401, even with a valid header (the reason goes only to the security log)', async () => {
    const { keyId } = sim.keys.add({ name: 'in-url' });

    const response = await call(`${sim.queryUrl}?appKey=${keyId}`, { appKey: keyId, body: query });

    expect(response.status).toBe(401);
    expect(await response.text()).toBe('');
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
    const withCharset = await call(sim.queryUrl, {
      appKey: keyId,
      contentType: 'application/json; charset=utf-8',
      body: query,
    });

    expect([form.status, withCharset.status]).toEqual([403, 200]);
  });

  it('fails a service POST without any Content-Type with 500, body or not', async () => {
    const { keyId } = sim.keys.add({ name: 'typeless-poster' });

    // node:http, since fetch adds text/plain to a string body that has no Content-Type.
    const withBody = await rawRequest(sim.queryUrl, {
      method: 'POST',
      headers: { appKey: keyId },
      body: '{}',
    });
    const withoutBody = await rawRequest(sim.queryUrl, { method: 'POST', headers: { appKey: keyId } });

    expect([withBody.status, withoutBody.status]).toEqual([500, 500]);
    expect(sim.requests.list().at(-1)?.refusal).toBe('no-content-type');
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
    expect(await thing.text()).toBe('Entity Not Found : [Nope]');
  });

  it('answers an unknown entity with 403 and the body of a permission denial under notFoundAsForbidden', async () => {
    const { keyId } = sim.keys.add({ name: 'explorer-403' });
    sim.faults.set({ kind: 'notFoundAsForbidden' });
    try {
      const missing = await call(`${sim.baseUrl}/Thingworx/ApplicationKeys/never-was/Services/GetKeyID`, {
        appKey: keyId,
      });
      const existing = await call(`${sim.baseUrl}/Thingworx/ApplicationKeys/explorer-403/Services/GetKeyID`, {
        appKey: keyId,
      });

      expect([missing.status, existing.status]).toEqual([403, 200]);
      expect(await missing.text()).toBe('Not authorized for ServiceInvoke on GetKeyID in never-was');
      expect(sim.requests.list().at(-2)?.faults).toEqual(['notFoundAsForbidden']);
    } finally {
      sim.faults.clear();
    }
  });

  it('lists the ApplicationKeys collection by name for a user that may read it', async () => {
    const admin = sim.keys.add({ name: 'lister' });
    const reader = sim.keys.add({ name: 'not-a-lister', user: 'reader' });
    const url = `${sim.baseUrl}/Thingworx/ApplicationKeys`;

    const listed = await rowsOf<{ name: string }>(await call(url, { appKey: admin.keyId, method: 'GET' }));
    const refused = await call(url, { appKey: reader.keyId, method: 'GET' });

    expect(listed.map((row) => row.name)).toEqual(expect.arrayContaining(['lister', 'not-a-lister']));
    expect(refused.status).toBe(403);
  });

  it('answers 406 to a body that is not valid JSON, and 500 to an unusable input', async () => {
    const { keyId } = sim.keys.add({ name: 'sloppy' });

    const broken = await call(sim.queryUrl, { appKey: keyId, body: '{"maxItems": ' });
    const badDate = await call(sim.queryUrl, { appKey: keyId, body: { startDate: 'yesterday-ish' } });

    expect(broken.status).toBe(406);
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

  it('records whether a request carried X-XSRF-TOKEN: TWX-XSRF-TOKEN-VALUE', async () => {
    const { keyId } = sim.keys.add({ name: 'xsrf' });
    await rawRequest(`${sim.baseUrl}/Thingworx/`, {
      headers: { appKey: keyId, 'X-XSRF-TOKEN': 'TWX-XSRF-TOKEN-VALUE' },
    });
    await rawRequest(`${sim.baseUrl}/Thingworx/`, { headers: { appKey: keyId } });

    expect(
      sim.requests
        .list()
        .slice(-2)
        .map((r) => r.hadXsrfToken),
    ).toEqual([true, false]);
  });
});
