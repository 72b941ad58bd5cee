// Issue 13 item 2: which key names from the secret a rotation trusts enough to expire or delete.
import { describe, expect, it } from 'vitest';
import { olderKeyToRetire, replacedKeyToRetire } from '../../../functions/rotate-key/key-ownership.js';

const TOKEN = '3f0c8a52-2a0e-4f3c-9b7e-5d1f0e6a7c21';
const version = (fields: { versionId?: string; keyName?: string; previousKeyName?: string }) => ({
  appKey: 'value',
  versionId: TOKEN,
  ...fields,
});

describe('keys a rotation may retire', () => {
  it('retires the key of a version it wrote, and the key that version replaced', () => {
    const own = version({ keyName: `syncwarden-orders-${TOKEN}`, previousKeyName: 'syncwarden-orders-1234' });
    expect(replacedKeyToRetire('syncwarden-orders', own)).toEqual({
      retire: true,
      keyName: `syncwarden-orders-${TOKEN}`,
    });
    expect(olderKeyToRetire('syncwarden-orders', own)).toEqual({
      retire: true,
      keyName: 'syncwarden-orders-1234',
    });
  });

  it.each([
    ['the README typo', 'syncwarden'],
    ["another job's key", `syncwarden-orders2-${TOKEN}`],
    ['a name with the prefix but from another version', 'syncwarden-orders-5d1f0e6a'],
  ])('leaves %s in a version alone', (_, keyName) => {
    expect(replacedKeyToRetire('syncwarden-orders', version({ keyName })).retire).toBe(false);
  });

  it.each([
    ['the admin key', 'thingworx-admin'],
    ["another job's key", `syncwarden-orders2-${TOKEN}`],
    ['the bare prefix', 'syncwarden-orders'],
  ])('leaves %s recorded as previousKeyName alone', (_, previousKeyName) => {
    const own = version({ keyName: `syncwarden-orders-${TOKEN}`, previousKeyName });
    expect(olderKeyToRetire('syncwarden-orders', own)).toMatchObject({
      retire: false,
      keyName: previousKeyName,
    });
  });

  it('trusts no previousKeyName in a version it did not write', () => {
    const byHand = version({
      versionId: 'hand-put',
      keyName: 'x',
      previousKeyName: `syncwarden-orders-${TOKEN}`,
    });
    expect(olderKeyToRetire('syncwarden-orders', byHand)).toMatchObject({ retire: false });
  });

  it('treats the prefix literally, not as a pattern', () => {
    const own = version({ keyName: `a.b-${TOKEN}`, previousKeyName: 'aXb-1' });
    expect(olderKeyToRetire('a.b', own).retire).toBe(false);
  });
});
