import { describe, expect, it } from 'vitest';
import {
  decodeRecordKey,
  encodeRecordKey,
  type KeyValue,
  keyForStorage,
  legacyRecordKey,
} from '../../../functions/sync/record-key.js';
import { toSourceRecord } from '../../../functions/sync/source-rows.js';

/** Values chosen to meet every edge of the encoding: separators, escapes, tags, literals' text. */
const TRICKY: readonly KeyValue[] = [
  '',
  'x',
  '#',
  '##',
  '\\',
  '\\#',
  '\\s',
  '\\s7',
  's7',
  'x#y',
  'y#z',
  7,
  '7',
  -1,
  '-1',
  1.5,
  '1.5',
  '07',
  ' 7',
  true,
  'true',
  false,
  'false',
  1e21,
  '1e+21',
  'NaN',
  'Infinity',
];

describe('record keys', () => {
  it('gives ("x#y", "z") and ("x", "y#z") different keys', () => {
    expect(encodeRecordKey(['x#y', 'z'])).not.toBe(encodeRecordKey(['x', 'y#z']));
  });

  it('gives the number 7 and the string "7" different keys', () => {
    expect(encodeRecordKey([1, 7])).not.toBe(encodeRecordKey([1, '7']));
    expect(encodeRecordKey([true])).not.toBe(encodeRecordKey(['true']));
  });

  it('decodes every pair and triple of tricky values back to exactly those values (no two share a key)', () => {
    const seen = new Map<string, KeyValue[]>();
    for (const a of TRICKY) {
      for (const b of TRICKY) {
        for (const tuple of [
          [a, b],
          [a, '#', b],
          [a, b, ''],
        ] as KeyValue[][]) {
          const key = encodeRecordKey(tuple);
          expect(decodeRecordKey(key)).toEqual(tuple);
          const other = seen.get(key);
          if (other) expect(other).toEqual(tuple);
          seen.set(key, tuple);
        }
      }
    }
  });

  it('keeps the old text for keys the old joining already made unambiguously', () => {
    for (const tuple of [
      [1_700_000_000_123, 'sensor-1'],
      [1_700_000_000_123, ''],
      ['north', 7],
      ['e-1f3a'],
    ] as KeyValue[][]) {
      expect(encodeRecordKey(tuple)).toBe(legacyRecordKey(tuple));
    }
  });

  it('marks a source row whose key changed with its legacy key, and only such a row', () => {
    const shape = { timestampField: 'timestamp', keyFields: ['timestamp', 'source'] };

    const plain = toSourceRecord({ timestamp: 5, source: 'pump-1' }, 0, shape);
    const hashed = toSourceRecord({ timestamp: 5, source: 'x#y' }, 1, shape);

    expect(plain).not.toHaveProperty('legacyKey');
    expect(hashed).toMatchObject({ key: '5#x\\#y', legacyKey: '5#x#y' });
  });

  describe('which key a record is stored under', () => {
    const record = { key: '5#x\\#y', legacyKey: '5#x#y', sourceTimestampMs: 5 };

    it('keeps the legacy key at or before the cutover, where an older version may have stored it', () => {
      expect(keyForStorage(record, 5).key).toBe('5#x#y');
    });

    it('uses the unambiguous key after the cutover, and always for a job with no legacy records', () => {
      expect(keyForStorage(record, 4).key).toBe('5#x\\#y');
      expect(keyForStorage(record, undefined).key).toBe('5#x\\#y');
    });
  });
});
