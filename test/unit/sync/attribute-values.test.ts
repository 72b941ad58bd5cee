// The store builds its INSERTs' AttributeValues itself (attribute-values.ts): each value must come out
// exactly as the document client's marshalling gives it (util-dynamodb with the options lib-dynamodb uses),
// or fail with the same message. Every case is checked against marshall itself and, so that a change on
// both sides cannot hide, against the value written out.
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { convertToAttr, marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { toAttributeMap, toAttributeValue } from '../../../functions/sync/attribute-values.js';
import { recordItem } from '../../../functions/sync/record-item.js';

/** What the document client sends for one value (lib-dynamodb sets convertTopLevelContainer). */
const documentClientValue = (value: unknown) =>
  convertToAttr(value, { removeUndefinedValues: true, convertTopLevelContainer: true });

class Reading {
  constructor(readonly value: number) {}
}

describe('toAttributeValue', () => {
  it.each([
    ['a string', 'pump-7', { S: 'pump-7' }],
    ['an empty string', '', { S: '' }],
    ['true', true, { BOOL: true }],
    ['false', false, { BOOL: false }],
    ['null', null, { NULL: true }],
    ['an integer', 42, { N: '42' }],
    ['a fraction', 12.5, { N: '12.5' }],
    ['negative zero', -0, { N: '0' }],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, { N: '9007199254740991' }],
    ['the smallest safe integer', Number.MIN_SAFE_INTEGER, { N: '-9007199254740991' }],
    ['a tiny number in exponent form', 1e-7, { N: '1e-7' }],
    ['a list', [1, 'a', null], { L: [{ N: '1' }, { S: 'a' }, { NULL: true }] }],
    [
      'a list with undefined and a function, both left out',
      [1, undefined, () => 1, 2],
      { L: [{ N: '1' }, { N: '2' }] },
    ],
    // biome-ignore lint/suspicious/noSparseArray: a hole is left out, as marshall's filter leaves it
    ['a list with a hole', [1, , 2], { L: [{ N: '1' }, { N: '2' }] }],
    ['an empty list', [], { L: [] }],
    ['a map', { b: 1, a: 'x' }, { M: { b: { N: '1' }, a: { S: 'x' } } }],
    [
      'a map with undefined and a function, both left out',
      { a: 1, u: undefined, f: () => 1 },
      { M: { a: { N: '1' } } },
    ],
    ['an empty map', {}, { M: {} }],
    ['a prototype-free map', Object.assign(Object.create(null), { a: true }), { M: { a: { BOOL: true } } }],
    [
      'nested lists and maps',
      { tags: [{ vocabulary: 'Plant', terms: ['L1', 'L2'] }], location: { lat: 52.38 } },
      {
        M: {
          tags: { L: [{ M: { vocabulary: { S: 'Plant' }, terms: { L: [{ S: 'L1' }, { S: 'L2' }] } } }] },
          location: { M: { lat: { N: '52.38' } } },
        },
      },
    ],
    ['a NumberValue', NumberValue.from('18446744073709551616'), { N: '18446744073709551616' }],
    ['a bigint', 18446744073709551616n, { N: '18446744073709551616' }],
    ['a string set', new Set(['a', 'b']), { SS: ['a', 'b'] }],
    ['a Map', new Map([['k', 1]]), { M: { k: { N: '1' } } }],
    ['bytes', Uint8Array.of(1, 2), { B: Uint8Array.of(1, 2) }],
  ] as const)('gives %s as the document client does', (_, value, expected) => {
    expect(toAttributeValue(value)).toEqual(expected);
    expect(toAttributeValue(value)).toEqual(documentClientValue(value));
  });

  it('keeps the order of a map’s keys as marshall does (integer keys first)', () => {
    const value = { z: 1, '2': 2, a: 3, '1': 4 };

    expect(Object.keys(toAttributeValue(value).M ?? {})).toEqual(['1', '2', 'z', 'a']);
    expect(Object.keys(toAttributeValue(value).M ?? {})).toEqual(
      Object.keys(documentClientValue(value).M ?? {}),
    );
  });

  it('loses a `__proto__` key as marshall’s own maps do (stored-data.ts escapes it before)', () => {
    const value = JSON.parse('{"__proto__":{"a":1},"b":2}') as Record<string, unknown>;

    expect(toAttributeValue(value)).toEqual(documentClientValue(value));
    expect(Object.keys(toAttributeValue(value).M ?? {})).toEqual(['b']);
  });

  it.each([
    ['NaN', Number.NaN, 'Special numeric value NaN is not allowed'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Special numeric value Infinity is not allowed'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'Special numeric value -Infinity is not allowed'],
    ['one past the largest safe integer', 2 ** 53, 'is greater than Number.MAX_SAFE_INTEGER'],
    ['one past the smallest safe integer', -(2 ** 53), 'is lesser than Number.MIN_SAFE_INTEGER'],
    ['a class instance', new Reading(1), 'Unsupported type passed'],
    ['an object with a field named constructor', { constructor: 'x' }, 'Unsupported type passed'],
    ['undefined', undefined, 'Pass options.removeUndefinedValues'],
    ['an empty set', new Set(), 'Pass a non-empty set'],
    ['a NaN inside a map', { a: Number.NaN }, 'Special numeric value NaN is not allowed'],
    ['a NaN inside a list', [Number.NaN], 'Special numeric value NaN is not allowed'],
  ] as const)('refuses %s with marshall’s own message', (_, value, message) => {
    expect(() => toAttributeValue(value)).toThrow(message);
    expect(() => documentClientValue(value)).toThrow(message);
  });
});

describe('toAttributeMap', () => {
  it('gives a record item’s attributes exactly as the document client’s PutItem would', () => {
    const item = recordItem(
      {
        key: 'Press-02',
        sourceTimestampMs: 1_796_259_772_555,
        data: JSON.parse(
          '{"id":"7681fa77","timestamp":1796259772555,"source":"Press-02","location":{"latitude":52.38,"units":"WGS84"},"tags":[{"vocabulary":"Plant","vocabularyTerm":"Line2"}],"temperature":28.51,"status":"ALARM","payload":"","spare":null,"ok":true,"big":18446744073709551616}',
        ),
      },
      { job: 'job-1', runId: 'run-7', fence: 3 },
      { readAtMs: 40, syncedAtMs: 50 },
    );

    const attributes = toAttributeMap(item);

    expect(attributes).toEqual(marshall(item, { removeUndefinedValues: true }));
    expect(Object.keys(attributes)).toEqual(Object.keys(item));
    expect(attributes).toMatchObject({
      pk: { S: 'job#job-1' },
      sk: { S: 'Press-02' },
      sourceTimestamp: { N: '1796259772555' },
      contentHash: { S: item.contentHash },
      runId: { S: 'run-7' },
      fence: { N: '3' },
      readAt: { N: '40' },
      syncedAt: { N: '50' },
    });
    expect(attributes.data?.M).toMatchObject({
      location: { M: { latitude: { N: '52.38' }, units: { S: 'WGS84' } } },
      payload: { S: '' },
      spare: { NULL: true },
      ok: { BOOL: true },
      big: { N: '18446744073709551616' },
    });
  });

  it('leaves out attributes holding undefined or a function', () => {
    expect(toAttributeMap({ a: 1, u: undefined, f: () => 1 })).toEqual({ a: { N: '1' } });
  });
});
