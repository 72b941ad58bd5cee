import { describe, expect, it } from 'vitest';
import { itemSizeBytes } from '../../bench/capacity-units.js';

// Sizes worked by hand from DynamoDB's item-size rules (capacity-units.ts cites them).
describe('itemSizeBytes', () => {
  it('counts names and string values in UTF-8 bytes', () => {
    // "pk" 2 + "job#a" 5; "sk" 2 + "é" 2 bytes.
    expect(itemSizeBytes({ pk: { S: 'job#a' }, sk: { S: 'é' } })).toBe(11);
  });

  it('counts a number as 1 byte per 2 significant digits, plus 1', () => {
    // "n" 1 + 13 digits -> ceil(13 / 2) + 1 = 8; "m" 1 + "0.50" -> 1 digit -> 2; "z" 1 + "-120" -> "12" -> 2.
    expect(itemSizeBytes({ n: { N: '1700000000123' } })).toBe(9);
    expect(itemSizeBytes({ m: { N: '0.50' } })).toBe(3);
    expect(itemSizeBytes({ z: { N: '-120' } })).toBe(3);
  });

  it('counts a map or list as 3 bytes plus 1 byte per element, plus the elements', () => {
    // "d" 1 + map: 3 + ("a" 1 + "x" 1 + 1) + ("b" 1 + true 1 + 1) = 9 -> 10.
    expect(itemSizeBytes({ d: { M: { a: { S: 'x' }, b: { BOOL: true } } } })).toBe(10);
    // "l" 1 + list: 3 + (null 1 + 1) + ("ab" 2 + 1) = 8 -> 9.
    expect(itemSizeBytes({ l: { L: [{ NULL: true }, { S: 'ab' }] } })).toBe(9);
  });
});
