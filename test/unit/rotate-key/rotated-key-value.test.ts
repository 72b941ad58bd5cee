import { describe, expect, it } from 'vitest';
import { MalformedSecretError } from '../../../functions/app-key/key-source.js';
import { parseSecretValue } from '../../../functions/app-key/parse-secret.js';
import { parseRotatedKey, serializeRotatedKey } from '../../../functions/rotate-key/rotated-key-value.js';

const VALUE = {
  appKey: '0b6f4c3e-8a1d-4f2b-9c7e-3d5a1b2c4e6f',
  keyName: 'syncwarden-tok2',
  expiresAt: '2030-01-10T00:00:00.000Z',
  previousKeyName: 'syncwarden-tok1',
};

describe('rotated key value', () => {
  it('round-trips the key, its name, expiry and the key it replaced', () => {
    expect(parseRotatedKey('s', serializeRotatedKey(VALUE), 'v2')).toEqual({
      appKey: VALUE.appKey,
      versionId: 'v2',
      keyName: VALUE.keyName,
      expiresAt: new Date(VALUE.expiresAt),
      previousKeyName: VALUE.previousKeyName,
    });
  });

  it('stays readable by the sync, which ignores previousKeyName', () => {
    expect(parseSecretValue('s', serializeRotatedKey(VALUE), 'v2')).toMatchObject({
      appKey: VALUE.appKey,
      keyName: VALUE.keyName,
    });
  });

  it('reads a plain-string secret (a key put by hand) as a key without a name', () => {
    expect(parseRotatedKey('s', VALUE.appKey, 'v1')).toEqual({ appKey: VALUE.appKey, versionId: 'v1' });
  });

  it('refuses a previousKeyName that is not a string, without quoting the value', () => {
    const raw = JSON.stringify({ ...VALUE, previousKeyName: 42 });
    expect(() => parseRotatedKey('s', raw, 'v2')).toThrow(MalformedSecretError);
    expect(() => parseRotatedKey('s', raw, 'v2')).not.toThrow(VALUE.appKey);
  });
});
