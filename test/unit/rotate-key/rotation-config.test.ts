import { describe, expect, it } from 'vitest';
import { loadRotationConfig } from '../../../functions/rotate-key/rotation-config.js';

const REQUIRED = {
  ENDPOINT_BASE_URL: 'https://thingworx.example.com',
  ADMIN_SECRET_ID: 'syncwarden/job/rotation-admin',
  ROTATION_SECRET_ID: 'syncwarden/job/app-key',
  ROTATION_JOB_NAME: 'job',
  ROTATION_KEY_USER: 'syncUser',
  ROTATION_INTERVAL_DAYS: '7',
  ROTATION_TEST_THING: 'SensorStream',
};
const HOUR_MS = 60 * 60 * 1000;

describe('rotation configuration', () => {
  it('reads the required variables and fills in the defaults', () => {
    const config = loadRotationConfig(REQUIRED);
    expect(config).toMatchObject({
      adminSecretId: 'syncwarden/job/rotation-admin',
      keyUser: 'syncUser',
      keyNamePrefix: 'syncwarden',
      ipAllowlist: [],
      rotationIntervalMs: 7 * 24 * HOUR_MS,
      // A week, so a rotation that fails before a weekend still leaves working days to act.
      expiryMarginMs: 7 * 24 * HOUR_MS,
      // 5 min key cache TTL + the longest Lambda timeout, when the sync's timeout is not given
      oldKeyGraceMs: (300 + 900) * 1000,
      testRead: { thing: 'SensorStream', service: 'QueryStreamEntriesWithData', params: { maxItems: 1 } },
    });
    expect(config.endpoint.baseUrl.href).toBe('https://thingworx.example.com/');
  });

  it.each(Object.keys(REQUIRED))('names %s when it is missing', (name) => {
    expect(() => loadRotationConfig({ ...REQUIRED, [name]: undefined })).toThrow(
      new RegExp(`^${name}: expected`),
    );
  });

  it('derives the minimum grace from the sync timeout and refuses a shorter one', () => {
    expect(loadRotationConfig({ ...REQUIRED, SYNC_TIMEOUT_SECONDS: '120' }).oldKeyGraceMs).toBe(420_000);
    expect(() =>
      loadRotationConfig({ ...REQUIRED, SYNC_TIMEOUT_SECONDS: '120', OLD_KEY_GRACE_SECONDS: '419' }),
    ).toThrow(/^OLD_KEY_GRACE_SECONDS: expected an integer >= 420/);
  });

  it('splits the IP allowlist and parses the test read parameters', () => {
    const config = loadRotationConfig({
      ...REQUIRED,
      ROTATION_IP_ALLOWLIST: '203.0.113.7, 203.0.113.8',
      ROTATION_TEST_SERVICE: 'GetPropertyValues',
      ROTATION_TEST_PARAMS: '{}',
    });
    expect(config.ipAllowlist).toEqual(['203.0.113.7', '203.0.113.8']);
    expect(config.testRead).toEqual({ thing: 'SensorStream', service: 'GetPropertyValues', params: {} });
  });

  it('refuses test read parameters that are not a JSON object, naming the variable', () => {
    expect(() => loadRotationConfig({ ...REQUIRED, ROTATION_TEST_PARAMS: '[1]' })).toThrow(
      /^ROTATION_TEST_PARAMS: expected a JSON object/,
    );
  });

  it('refuses a key name prefix ThingWorx would not take in an entity name', () => {
    expect(() => loadRotationConfig({ ...REQUIRED, ROTATION_KEY_NAME_PREFIX: 'sync warden' })).toThrow(
      /^ROTATION_KEY_NAME_PREFIX: expected/,
    );
  });

  it('names ENDPOINT_BASE_URL when it is not an absolute URL', () => {
    expect(() => loadRotationConfig({ ...REQUIRED, ENDPOINT_BASE_URL: 'thingworx' })).toThrow(
      /^ENDPOINT_BASE_URL: expected an absolute URL/,
    );
  });
});
