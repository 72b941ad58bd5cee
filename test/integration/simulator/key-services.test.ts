// The application key services used for rotation, over real HTTP: create (documented inputs only),
// read the key id, check and set expiry (24 h by default, on the server clock), delete.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_KEY_LIFETIME_MS,
  type InfoTable,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rowsOf, servicePath } from './client.js';

describe('ThingWorx simulator: application key services', () => {
  let sim: ThingWorxSimulator;
  let adminKey: string;
  const invoke = (path: string, body: unknown = {}, appKey = adminKey) =>
    call(`${sim.baseUrl}${path}`, { appKey, body });
  const resultOf = async (path: string, body: unknown = {}) =>
    (await rowsOf<{ result: unknown }>(await invoke(path, body)))[0]?.result;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 3, initialEntries: 10 });
    adminKey = sim.keys.add({ name: 'admin' }).keyId;
    sim.keys.grant('syncUser', 'QueryStreamEntriesWithData');
  });
  beforeEach(() => {
    sim.clock.setOffsetMs(0);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('creates a key, reads its id with GetKeyID, and the new key works', async () => {
    const created = await invoke(servicePath.createKey, { name: 'rotated-1', user: 'syncUser' });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ dataShape: { fieldDefinitions: {} }, rows: [] });

    const getKeyId = await invoke(servicePath.keyService('rotated-1', 'GetKeyID'));
    const table = (await getKeyId.json()) as InfoTable;
    const keyId = String(table.rows[0]?.result);

    expect(table.dataShape.fieldDefinitions.result).toMatchObject({ name: 'result', baseType: 'STRING' });
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keyId).toBe(sim.keys.keyIdOf('rotated-1'));
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(200);
  });

  it('gives a key created without an expiration date 24 hours of life on the server clock', async () => {
    await invoke(servicePath.createKey, { name: 'rotated-24h', user: 'syncUser' });
    const keyId = (await resultOf(servicePath.keyService('rotated-24h', 'GetKeyID'))) as string;
    const info = sim.keys.list().find((k) => k.name === 'rotated-24h');

    expect(info && info.expiresAtMs - info.createdAtMs).toBe(DEFAULT_KEY_LIFETIME_MS);
    expect(await resultOf(servicePath.keyService('rotated-24h', 'IsExpired'))).toBe(false);

    sim.clock.setOffsetMs(DEFAULT_KEY_LIFETIME_MS - 10_000);
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(200);

    sim.clock.setOffsetMs(DEFAULT_KEY_LIFETIME_MS + 1_000);
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(401);
    const adminKeyFromLongAgo = sim.keys.add({ name: 'admin-later' }).keyId; // the old admin key expired too
    expect(
      (
        await rowsOf<{ result: boolean }>(
          await invoke(servicePath.keyService('rotated-24h', 'IsExpired'), {}, adminKeyFromLongAgo),
        )
      )[0]?.result,
    ).toBe(true);
  });

  it('honours an expirationDate given at creation, as epoch ms or ISO-8601', async () => {
    const inAWeek = Math.floor(sim.clock.nowMs()) + 7 * 24 * 3_600_000;
    await invoke(servicePath.createKey, { name: 'weekly', user: 'syncUser', expirationDate: inAWeek });
    await invoke(servicePath.createKey, {
      name: 'weekly-iso',
      user: 'syncUser',
      expirationDate: new Date(inAWeek).toISOString(),
    });

    const expiries = sim.keys
      .list()
      .filter((k) => k.name.startsWith('weekly'))
      .map((k) => k.expiresAtMs);
    expect(expiries).toEqual([inAWeek, inAWeek]);
  });

  it('reports IsExpired after SetExpirationDate moves expiry into the past, and refuses the key', async () => {
    await invoke(servicePath.createKey, { name: 'retiring', user: 'syncUser' });
    const keyId = (await resultOf(servicePath.keyService('retiring', 'GetKeyID'))) as string;

    const set = await invoke(servicePath.keyService('retiring', 'SetExpirationDate'), {
      expirationDate: new Date(Date.now() - 1_000).toISOString(),
    });

    expect(set.status).toBe(200);
    expect(await resultOf(servicePath.keyService('retiring', 'IsExpired'))).toBe(true);
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(401);

    await invoke(servicePath.keyService('retiring', 'SetExpirationDate'), {
      expirationDate: Date.now() + 60_000,
    });
    expect(await resultOf(servicePath.keyService('retiring', 'IsExpired'))).toBe(false);
  });

  it('deletes a key: its services are gone and its value is unknown', async () => {
    await invoke(servicePath.createKey, { name: 'doomed', user: 'syncUser' });
    const keyId = (await resultOf(servicePath.keyService('doomed', 'GetKeyID'))) as string;

    const deleted = await invoke(servicePath.deleteKey, { name: 'doomed' });

    expect(deleted.status).toBe(200);
    const gone = await invoke(servicePath.keyService('doomed', 'GetKeyID'));
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('Entity Not Found : [doomed]');
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(401);
    expect(sim.requests.list().at(-1)?.refusal).toBe('unknown');
  });

  it('fails a duplicate name or a missing name with 500 "Unable to Invoke Service"', async () => {
    await invoke(servicePath.createKey, { name: 'twice', user: 'syncUser' });

    const duplicate = await invoke(servicePath.createKey, { name: 'twice', user: 'syncUser' });
    const nameless = await invoke(servicePath.createKey, { user: 'syncUser' });
    const unknownDelete = await invoke(servicePath.deleteKey, { name: 'never-was' });

    expect([duplicate.status, nameless.status, unknownDelete.status]).toEqual([500, 500, 500]);
    expect(await duplicate.text()).toMatch(
      /^Unable to Invoke Service CreateApplicationKey on EntityServices : /,
    );
  });

  it('needs a key whose user may invoke the key service', async () => {
    const syncKey = sim.keys.add({ name: 'sync-only', user: 'syncUser' }).keyId;

    const refused = await invoke(servicePath.createKey, { name: 'self-made', user: 'syncUser' }, syncKey);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Not authorized for ServiceInvoke');

    sim.keys.grant('syncUser', 'CreateApplicationKey');
    const allowed = await invoke(servicePath.createKey, { name: 'self-made', user: 'syncUser' }, syncKey);
    expect(allowed.status).toBe(200);
  });

  it("answers a key's own GetExpirationDate as a DATETIME in epoch ms, to a user granted it, else 403", async () => {
    const expiresAtMs = Math.floor(sim.clock.nowMs()) + 3 * 86_400_000;
    const ownKey = sim.keys.add({ name: 'reads-own-expiry', user: 'expiryUser', expiresAtMs }).keyId;
    const path = servicePath.keyService('reads-own-expiry', 'GetExpirationDate');

    const refused = await invoke(path, {}, ownKey);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe(
      'Not authorized for ServiceInvoke on GetExpirationDate in reads-own-expiry',
    );

    sim.keys.grant('expiryUser', 'GetExpirationDate');
    const answer = await invoke(path, {}, ownKey);
    const table = (await answer.json()) as InfoTable;
    expect(table.dataShape.fieldDefinitions.result).toMatchObject({ baseType: 'DATETIME' });
    expect(table.rows).toEqual([{ result: expiresAtMs }]);

    sim.keys.setExpiration('reads-own-expiry', expiresAtMs + 86_400_000);
    expect(await resultOf(path)).toBe(expiresAtMs + 86_400_000);
  });

  it('gives a key created without a user no user at all, never the caller: it authenticates nothing', async () => {
    await invoke(servicePath.createKey, { name: 'userless' });
    const keyId = (await resultOf(servicePath.keyService('userless', 'GetKeyID'))) as string;

    expect(sim.keys.list().find((k) => k.name === 'userless')?.user).toBeNull();
    expect((await call(sim.queryUrl, { appKey: keyId, body: {} })).status).toBe(401);
    expect(sim.requests.list().at(-1)?.refusal).toBe('no-user');
  });

  it('takes the IP allowlist as a comma-separated `whitelist`', async () => {
    await invoke(servicePath.createKey, {
      name: 'fenced',
      user: 'syncUser',
      whitelist: '10.0.0.8, 127.0.0.1',
    });

    expect(sim.keys.list().find((k) => k.name === 'fenced')?.ipWhitelist).toEqual(['10.0.0.8', '127.0.0.1']);
  });

  it('refuses an input CreateApplicationKey does not declare, naming it, and creates nothing', async () => {
    const misnamed = await invoke(servicePath.createKey, {
      name: 'misnamed',
      userName: 'syncUser',
      ipWhitelist: '127.0.0.1',
    });

    expect(misnamed.status).toBe(500);
    expect(await misnamed.text()).toMatch(
      /^Unable to Invoke Service CreateApplicationKey on EntityServices : .*\[userName\], \[ipWhitelist\]/,
    );
    expect(sim.keys.list().some((k) => k.name === 'misnamed')).toBe(false);
  });

  it('accepts every documented input of CreateApplicationKey', async () => {
    const created = await invoke(servicePath.createKey, {
      name: 'documented',
      description: 'for the sync',
      user: 'syncUser',
      whitelist: '',
      clientName: 'syncwarden',
      projectName: 'PTCDefaultProject',
      tags: [],
      expirationDate: Date.now() + 60_000,
    });

    expect(created.status).toBe(200);
  });
});
