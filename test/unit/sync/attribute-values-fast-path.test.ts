// What attribute-values.ts is for: the values a JSON row holds (strings, booleans, null, safe numbers,
// lists, plain and prototype-free maps) are converted without util-dynamodb's convertToAttr, the per-value
// cost it replaces (README, "One sync's own ceiling"); only what it does not know goes there. That the
// values equal marshall's is attribute-values.test.ts; this is the speed half, counted rather than timed.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const fallback = vi.hoisted(() => ({ calls: 0 }));
vi.mock('@aws-sdk/util-dynamodb', async (importOriginal) => {
  const original = await importOriginal<typeof import('@aws-sdk/util-dynamodb')>();
  return {
    ...original,
    convertToAttr: (...args: Parameters<typeof original.convertToAttr>) => {
      fallback.calls++;
      return original.convertToAttr(...args);
    },
  };
});

const { toAttributeMap, toAttributeValue } = await import('../../../functions/sync/attribute-values.js');

describe('the conversion of what JSON rows hold', () => {
  beforeEach(() => {
    fallback.calls = 0;
  });

  it.each([
    ['a string', 'pump-7'],
    ['a boolean', false],
    ['null', null],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['the smallest safe integer', Number.MIN_SAFE_INTEGER],
    ['a fraction', 12.5],
    ['a list', [1, 'a', null, true]],
    ['a plain map', { a: 1, b: { c: 'd' } }],
    ['a map without a prototype', Object.assign(Object.create(null), { a: 1 })],
  ])('converts %s itself', (_, value) => {
    toAttributeValue(value);

    expect(fallback.calls).toBe(0);
  });

  it('converts a whole stored item itself', () => {
    toAttributeMap({
      pk: 'job#j',
      sk: '1796259772555#Press-02',
      sourceTimestamp: 1_796_259_772_555,
      data: { location: { latitude: 52.38 }, tags: [{ vocabulary: 'Plant' }], payload: '' },
      fence: 4,
    });

    expect(fallback.calls).toBe(0);
  });

  it.each([
    ['a Set', new Set(['a'])],
    ['bytes', new Uint8Array([1])],
    ['an unsafe integer', Number.MAX_SAFE_INTEGER + 2],
    ['NaN', Number.NaN],
    ['a class instance', new (class Reading {})()],
  ])('hands %s to util-dynamodb', (_, value) => {
    try {
      toAttributeValue(value);
    } catch {
      // marshall refuses some of them; that it was asked is the point here
    }

    expect(fallback.calls).toBe(1);
  });
});
