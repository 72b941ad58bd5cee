import { describe, expect, it } from 'vitest';
import { BadSourceRowError, toSourceRecord } from '../../../functions/sync/source-rows.js';

const shape = { timestampField: 'timestamp', keyFields: ['id'] };

describe('source rows', () => {
  it('keys a row by its key fields and reads an epoch-ms timestamp', () => {
    const row = { id: 'e-1', timestamp: 1_700_000_000_123, temperature: 21.5 };

    expect(toSourceRecord(row, 0, shape)).toEqual({
      key: 'e-1',
      sourceTimestampMs: 1_700_000_000_123,
      data: row,
    });
  });

  it('reads an ISO-8601 timestamp and joins several key fields', () => {
    const row = { site: 'north', sensor: 7, at: '2026-11-27T04:00:00.250Z' };

    const record = toSourceRecord(row, 3, { timestampField: 'at', keyFields: ['site', 'sensor'] });

    expect(record.key).toBe('north#7');
    expect(record.sourceTimestampMs).toBe(Date.parse('2026-11-27T04:00:00.250Z'));
  });

  it('names the row and the field when the timestamp is missing', () => {
    expect(() => toSourceRecord({ id: 'e-9' }, 17, shape)).toThrow(
      new BadSourceRowError('Row 17 (key e-9): timestamp field "timestamp" is missing'),
    );
  });

  it('names the row and the field when the timestamp cannot be read', () => {
    expect(() => toSourceRecord({ id: 'e-9', timestamp: 'yesterday' }, 2, shape)).toThrow(
      /Row 2 \(key e-9\): timestamp field "timestamp" must be epoch milliseconds or an ISO-8601 date, got "yesterday"/,
    );
  });

  it('names the row and the field when a key field is missing', () => {
    expect(() => toSourceRecord({ timestamp: 1 }, 4, shape)).toThrow(/Row 4 has no value in key field "id"/);
  });

  it('takes an empty key field as a value (an entry may have an empty source), a null one as missing', () => {
    const stream = { timestampField: 'timestamp', keyFields: ['timestamp', 'source'] };

    expect(toSourceRecord({ timestamp: 5, source: '' }, 0, stream).key).toBe('5#');
    expect(() => toSourceRecord({ timestamp: 5, source: null }, 1, stream)).toThrow(
      /Row 1 has no value in key field "source"/,
    );
  });

  it('rejects a row whose key fields are all empty', () => {
    expect(() => toSourceRecord({ id: '', timestamp: 1 }, 6, shape)).toThrow(
      /Row 6 has only empty key fields \(id\)/,
    );
  });

  it('rejects a row that is not an object', () => {
    expect(() => toSourceRecord('text', 0, shape)).toThrow(/Row 0 is not an object \(got string\)/);
  });
});
