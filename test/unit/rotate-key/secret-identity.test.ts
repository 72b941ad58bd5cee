// Issue 13 item 5: which SecretId a rotation function accepts. Secrets Manager sends the complete ARN; the
// configuration holds the name or the complete ARN.
import { describe, expect, it } from 'vitest';
import { loadRotationConfig } from '../../../functions/rotate-key/rotation-config.js';
import { isConfiguredSecret } from '../../../functions/rotate-key/secret-identity.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx-key-AbC123';

describe('the configured secret', () => {
  it.each([
    ['its name, for the complete ARN', 'prod/thingworx-key', ARN],
    ['its complete ARN, for itself', ARN, ARN],
    ['its name, for itself', 'prod/thingworx-key', 'prod/thingworx-key'],
  ])('matches %s', (_, configured, requested) => {
    expect(isConfiguredSecret(configured, requested)).toBe(true);
  });

  it.each([
    [
      'another secret',
      'prod/thingworx-key',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/other-AbC123',
    ],
    [
      'a longer name with the same start',
      'prod/thingworx-key',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx-key-extra-AbC123',
    ],
    ['a secret whose name ends where the suffix would be', 'prod/thingworx', ARN],
    ['the same name with another suffix, for a complete ARN', ARN, `${ARN.slice(0, -6)}ZzZzZz`],
    ['the name, for a complete ARN configured', ARN, 'prod/thingworx-key'],
    [
      'an ARN without its suffix',
      'prod/thingworx-key',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx-key',
    ],
  ])('does not match %s', (_, configured, requested) => {
    expect(isConfiguredSecret(configured, requested)).toBe(false);
  });

  it('refuses a partial ARN as ROTATION_SECRET_ID at cold start', () => {
    expect(() =>
      loadRotationConfig({
        ENDPOINT_BASE_URL: 'https://thingworx.example.com',
        ADMIN_SECRET_ID: 'admin',
        ROTATION_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/key',
        ROTATION_JOB_NAME: 'job',
        ROTATION_KEY_USER: 'u',
        ROTATION_INTERVAL_DAYS: '1',
        ROTATION_TEST_THING: 'S',
      }),
    ).toThrow(/^ROTATION_SECRET_ID: expected the secret's name, or its complete ARN/);
  });
});
