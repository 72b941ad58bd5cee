// A row is stored as it is when nothing in it needs escaping or converting (no copy per record), and
// through the copy otherwise; either way the data the document client gets is the same.
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStoredFieldNames, toStorableData } from '../../../functions/sync/stored-data.js';

const asMarshalled = (data: unknown) => marshall({ data }, { removeUndefinedValues: true });

describe('toStorableData', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('hands a row that needs nothing back as it is', () => {
    const row = JSON.parse(
      '{"id":"a","n":-9007199254740991,"f":0.5,"tiny":1e-300,"location":{"lat":52.38},"tags":[{"t":"x"}],"empty":"","none":null}',
    ) as Record<string, unknown>;

    const storable = toStorableData(row);

    expect(storable.data).toBe(row);
    expect(storable.fieldNamesEscaped).toBe(false);
  });

  it.each([
    ['a field named constructor', { a: { constructor: 'c' } }],
    ['a field named ""', { tags: [{ '': 1 }] }],
    ['a field starting with ~', { '~x': 1 }],
  ])('escapes %s, in a copy', (_, row) => {
    const storable = toStorableData(row);

    expect(storable.data).not.toBe(row);
    expect(storable.fieldNamesEscaped).toBe(true);
    expect(decodeStoredFieldNames(storable.data)).toEqual(row);
  });

  it('escapes a __proto__ field of a parsed row', () => {
    const row = JSON.parse('{"__proto__":{"a":1},"b":2}') as Record<string, unknown>;

    const { data, fieldNamesEscaped } = toStorableData(row);

    expect(fieldNamesEscaped).toBe(true);
    expect(Object.keys(data)).toEqual(['~__proto__', 'b']);
  });

  it.each([
    ['at the top', { n: 2 ** 64 }, (data: Record<string, unknown>) => data.n],
    ['in a list', { l: [1, -(2 ** 60)] }, (data: Record<string, unknown>) => (data.l as unknown[])[1]],
    [
      'in a map',
      { m: { n: 2 ** 53 } },
      (data: Record<string, unknown>) => (data.m as Record<string, unknown>).n,
    ],
  ])('turns an integer beyond 2^53 %s into its exact text, in a copy', (_, row, pick) => {
    const { data, fieldNamesEscaped } = toStorableData(row);

    expect(data).not.toBe(row);
    expect(fieldNamesEscaped).toBe(false);
    expect(pick(data)).toBeInstanceOf(NumberValue);
    expect(String(pick(data))).toBe(String(BigInt(pick(row) as number)));
  });

  it('copies an object that is not plain into a map of its own fields, as before', () => {
    const when = new Date(0);
    const row = { when, set: new Set([1]) };

    const { data } = toStorableData(row);

    expect(data).not.toBe(row);
    expect(asMarshalled(data)).toEqual({ data: { M: { when: { M: {} }, set: { M: {} } } } });
  });

  it('copies every row while something made a field of Object.prototype enumerable', () => {
    const row = { a: 1 };
    (Object.prototype as Record<string, unknown>).polluted = 'x';

    const { data } = toStorableData(row);

    expect(data).not.toBe(row);
    delete (Object.prototype as Record<string, unknown>).polluted;
    expect(asMarshalled(data)).toEqual({ data: { M: { a: { N: '1' } } } });
  });

  it('gives the document client the same attribute values as the copy would', () => {
    const row = JSON.parse('{"a":[1,{"b":"c"}],"d":{"e":null,"f":true}}') as Record<string, unknown>;
    const copied = toStorableData({ ...row, '~': 1 }).data;
    delete copied['~~'];

    expect(asMarshalled(toStorableData(row).data)).toEqual(asMarshalled(copied));
  });
});
