// Every stored item carries contentHash, and a later run compares its own hash of a re-read record with
// it: the canonical text and its hash must never change. The pinned values were printed by the first
// implementation (map/filter/sort/join); the plain form below is that implementation, the specification
// the faster loops are held to on generated content.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../functions/sync/record-content.js';

function plainCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(plainCanonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${plainCanonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const plainContentHash = (data: unknown) =>
  createHash('sha256').update(plainCanonicalJson(data)).digest('base64url').slice(0, 22);

describe('canonicalJson and contentHash', () => {
  it.each([
    [
      'a row with nested maps and lists',
      {
        timestamp: 1700000000000,
        source: 'pump-7',
        value: 12.5,
        quality: 'GOOD',
        tags: ['a', 'b'],
        nested: { z: 1, a: [null, true, false], m: { '': 0, é: 'ü' } },
      },
      '{"nested":{"a":[null,true,false],"m":{"":0,"é":"ü"},"z":1},"quality":"GOOD","source":"pump-7","tags":["a","b"],"timestamp":1700000000000,"value":12.5}',
      'OK1mlD9IQvmRJCTrL434PW',
    ],
    ['a field holding undefined, left out', { b: undefined, a: 1 }, '{"a":1}', 'AVq9f1zFei3ZS3WQ8ErYCE'],
    ['undefined in a list, as null', [1, undefined, 'x'], '[1,null,"x"]', 'ghuiAcHkoP7KCMpJJNN9Eh'],
    [
      'keys sorted by UTF-16 code unit, digits and capitals first',
      { Z: 1, a: 2, _: 3, '10': 4, '9': 5, é: 6, e: 7 },
      '{"10":4,"9":5,"Z":1,"_":3,"a":2,"e":7,"é":6}',
      'h4pBX0awBLTIyDOpOqA2Hi',
    ],
    ['negative zero', -0, '0', 'X-zrZv_IbzjZUnhsbWlsec'],
    ['a large number', 1e21, '1e+21', 'JBxGQ_pwsdzeEgW3G-Tjvr'],
    ['null', null, 'null', 'dCNOmK_nSY-12vHzasLXis'],
    ['a string', 'plain', '"plain"', 'lFYDqPWHeGtGPD-U_OEVwP'],
    // biome-ignore lint/suspicious/noSparseArray: a hole stays empty, as map and join leave it
    ['a list with a hole', [1, , 2], '[1,,2]', 'G0ogIrBwLYehWknwMel5Wr'],
    ['an empty map and list', { a: {}, b: [] }, '{"a":{},"b":[]}', plainContentHash({ a: {}, b: [] })],
  ] as const)('gives %s its pinned text and hash', (_, value, text, hash) => {
    expect(canonicalJson(value)).toBe(text);
    expect(contentHash(value)).toBe(hash);
  });

  it('hashes escapes, surrogate pairs and a lone surrogate as before', () => {
    const value = { 'quo"te': 'line\nbreak\u2028', emoji: '😀', lone: '\ud800' };

    expect(canonicalJson(value)).toBe('{"emoji":"😀","lone":"\\ud800","quo\\"te":"line\\nbreak\u2028"}');
    expect(contentHash(value)).toBe('qeqtnwu-GxbgUwd209IhQh');
  });

  it('gives equal content the same hash whatever its key order', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: 3 } })).toBe(contentHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });

  it('agrees with the plain implementation on generated rows', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const names = ['id', 'timestamp', 'source', '', 'é', 'Z', '10', 'tags', 'a"b', 'location'];
    const value = (depth: number): unknown => {
      const pick = next() % (depth > 2 ? 6 : 8);
      if (pick === 0) return `s${next() % 100}\n`;
      if (pick === 1) return (next() % 2_000) / 7 - 100;
      if (pick === 2) return next() % 2 === 0;
      if (pick === 3) return null;
      if (pick === 4) return undefined;
      if (pick === 5) return next() % 1_000_000;
      if (pick === 6) return Array.from({ length: next() % 4 }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: next() % 6 }, () => [names[next() % names.length], value(depth + 1)]),
      );
    };
    for (let i = 0; i < 500; i++) {
      const row = Object.fromEntries(names.map((name) => [name, value(0)]));
      expect(canonicalJson(row)).toBe(plainCanonicalJson(row));
      expect(contentHash(row)).toBe(plainContentHash(row));
    }
  });
});
