// The key and its permission, judged by doctor against the simulator's keys: expired (by the key file, and
// on the server only), revoked, outside its IP allowlist, denied the stream service, and each expiry
// verdict (days left, the 24-hour default, unknown).
import { describe, expect, it } from 'vitest';
import { doctorFixture } from './doctor-harness.js';

const KEY_ONLY = ['--only', 'key,permission'];
const DAY_MS = 86_400_000;

describe('doctor: the key and its permission', () => {
  const fx = doctorFixture();

  it("names a key past the key file's expiresAt as expired-key, sending nothing with it", async () => {
    const past = fx.sim.clock.nowMs() - 60_000;
    const file = fx.keyFile({ expiresAtMs: past });
    fx.sim.requests.reset();

    const run = await fx.run(file, KEY_ONLY);

    expect(run.checks['key.accepted']).toMatchObject({ status: 'FAIL', cause: 'expired-key' });
    // The server was reached (the keyless GET), but the expired key never (it would record 'expired').
    expect(fx.sim.requests.count((r) => !r.hadAppKeyHeader)).toBeGreaterThan(0);
    expect(fx.sim.requests.list().filter((r) => r.refusal === 'expired')).toEqual([]);
    expect(run.code).toBe(1);
  });

  it('names a key expired on the server only as a refused key, listing expiry among the bare 401 causes', async () => {
    const file = fx.keyFile({ expiresAtMs: fx.sim.clock.nowMs() - 1_000 }, { expiresAt: null });

    const run = await fx.run(file, KEY_ONLY);

    expect(run.checks['key.accepted']).toMatchObject({ status: 'FAIL', cause: 'invalid-key' });
    expect(run.checks['key.accepted']?.evidence).toContain('expired (by its clock)');
  });

  it('names a revoked key invalid-key', async () => {
    const file = fx.keyFile();
    fx.sim.keys.revoke(fx.keyValues.at(-1) as string);

    const run = await fx.run(file, KEY_ONLY);

    expect(run.checks['key.accepted']).toMatchObject({ status: 'FAIL', cause: 'invalid-key' });
    expect(run.checks['key.accepted']?.evidence).toMatch(/^refused: invalid-key, HTTP 401/);
    expect(run.checks['permission.invoke']?.status).toBe('skip');
  });

  it('names a key used from outside its IP allowlist a refused key, IP named among the causes', async () => {
    const run = await fx.run(fx.keyFile({ ipWhitelist: ['10.1.2.3'] }), KEY_ONLY);

    expect(run.checks['key.accepted']).toMatchObject({ status: 'FAIL', cause: 'invalid-key' });
    expect(run.checks['key.accepted']?.evidence).toContain('IP-not-allowed');
  });

  it('accepts the key but names the missing ServiceInvoke permission', async () => {
    fx.sim.keys.deny('stream-reader', 'QueryStreamEntriesWithData');
    const run = await fx.run(fx.keyFile({ user: 'stream-reader' }), KEY_ONLY);

    expect(run.checks['key.accepted']?.status).toBe('ok');
    expect(run.checks['permission.invoke']).toMatchObject({ status: 'FAIL', cause: 'permission-denied' });
    expect(run.checks['permission.invoke']?.evidence).toContain(
      'Not authorized for ServiceInvoke on QueryStreamEntriesWithData in SensorStream',
    );
  });

  it('warns of a key expiring within 7 days, and calls out the 24-hour default life', async () => {
    const inThreeDays = await fx.run(
      fx.keyFile({ expiresAtMs: fx.sim.clock.nowMs() + 3 * DAY_MS }),
      KEY_ONLY,
    );
    const defaultLife = await fx.run(fx.keyFile(), KEY_ONLY);
    const inThirtyDays = await fx.run(
      fx.keyFile({ expiresAtMs: fx.sim.clock.nowMs() + 30 * DAY_MS }),
      KEY_ONLY,
    );

    expect(inThreeDays.checks['key.expiry']?.status).toBe('WARN');
    expect(inThreeDays.checks['key.expiry']?.evidence).not.toContain('24 h life');
    expect(defaultLife.checks['key.expiry']?.status).toBe('WARN');
    expect(defaultLife.checks['key.expiry']?.evidence).toContain(
      'created without an expiration date (24 h life)',
    );
    expect(inThirtyDays.checks['key.expiry']).toMatchObject({ status: 'ok' });
    expect(inThirtyDays.checks['key.expiry']?.evidence).toContain(
      "the key file's expiresAt and the server's GetExpirationDate agree",
    );
  });

  it("reads the expiry from the server's GetExpirationDate when the key file gives none", async () => {
    const expiresAtMs = fx.sim.clock.nowMs() + 20 * DAY_MS;
    const run = await fx.run(fx.keyFile({ expiresAtMs }, { expiresAt: null }), KEY_ONLY);

    expect(run.checks['key.expiry']).toMatchObject({ status: 'ok' });
    expect(run.checks['key.expiry']?.evidence).toContain(new Date(expiresAtMs).toISOString());
    expect(run.checks['key.expiry']?.evidence).toContain("(the server's GetExpirationDate)");
  });

  it('warns when the secret and the server disagree on the expiry', async () => {
    const file = fx.keyFile(
      { expiresAtMs: fx.sim.clock.nowMs() + 20 * DAY_MS },
      { expiresAt: new Date(fx.sim.clock.nowMs() + 40 * DAY_MS).toISOString() },
    );
    const run = await fx.run(file, KEY_ONLY);

    expect(run.checks['key.expiry']?.status).toBe('WARN');
    expect(run.checks['key.expiry']?.evidence).toContain('the two disagree');
  });

  it('warns that the expiry is unknown when the key may not ask, or is not named', async () => {
    fx.sim.keys.grant('sync-user', 'QueryStreamEntriesWithData');
    const mayNotAsk = await fx.run(fx.keyFile({ user: 'sync-user' }, { expiresAt: null }), KEY_ONLY);
    const unnamed = await fx.run(fx.keyFile({}, { expiresAt: null, keyName: null }), KEY_ONLY);

    expect(mayNotAsk.checks['key.expiry']?.status).toBe('WARN');
    expect(mayNotAsk.checks['key.expiry']?.evidence).toMatch(/refused GetExpirationDate .*HTTP 403/);
    expect(unnamed.checks['key.expiry']?.status).toBe('WARN');
    expect(unnamed.checks['key.expiry']?.evidence).toContain('the server cannot be asked');
  });
});
