// Which keys sort by their record's source time (read from the table by key range) and which records the
// sparse index holds instead; and the key range that holds a window's timed keys, at each of its bounds.
// That the range reads exactly these keys from DynamoDB is proven in
// test/integration/reconcile/stored-window.test.ts.
import { describe, expect, it } from 'vitest';
import { keySortsBySourceTime, sourceTimeKeyRange } from '../../../functions/shared/source-time-order.js';

const MS = 1_700_000_000_000;

describe('keySortsBySourceTime', () => {
  it.each([
    ['the time alone', `${MS}`, MS],
    ['the time, then the other key parts', `${MS}#Sensor-1`, MS],
    ['the time, then an empty part', `${MS}#`, MS],
    ['the first 13-digit time, 2001-09-09', '1000000000000#a', 1_000_000_000_000],
    ['the last 13-digit time, 2286-11-20', '9999999999999#a', 9_999_999_999_999],
  ])('accepts a key that starts with %s', (_, key, ms) => {
    expect(keySortsBySourceTime(key, ms)).toBe(true);
  });

  it.each([
    ['starts with another part', `Sensor-1#${MS}`, MS],
    ['starts with another time', `${MS + 1}#Sensor-1`, MS],
    ['starts with the time as a longer number', `${MS}1#Sensor-1`, MS],
    ['starts with the time inside a longer string part', `${MS}x#Sensor-1`, MS],
    ['starts with the time as a tagged string', `\\s${MS}#Sensor-1`, MS],
    ['has a time before 2001 (12 digits: would sort after 2001 by text)', '999999999999#a', 999_999_999_999],
    ['has a time after 2286 (14 digits)', '10000000000000#a', 10_000_000_000_000],
    ['has a fractional time', `${MS}.5#a`, MS + 0.5],
    ['has a negative time', `-${MS}#a`, -MS],
  ])('refuses a key that %s', (_, key, ms) => {
    expect(keySortsBySourceTime(key, ms)).toBe(false);
  });
});

describe('sourceTimeKeyRange', () => {
  it('runs from the window start to just above every key at the window end', () => {
    expect(sourceTimeKeyRange(MS, MS + 10)).toEqual({ low: `${MS}`, high: `${MS + 10}$` });
  });

  it('holds the end time alone and with parts after it, and nothing of the next millisecond', () => {
    const { low, high } = sourceTimeKeyRange(MS, MS + 10) as { low: string; high: string };
    const within = (key: string) => key >= low && key <= high;

    expect([`${MS}`, `${MS}#a`, `${MS + 10}`, `${MS + 10}#\uffff`].every(within)).toBe(true);
    expect([`${MS - 1}#z`, `${MS + 11}`, `${MS + 11}#a`].some(within)).toBe(false);
  });

  it('clamps a window that reaches past the 13-digit times to them', () => {
    expect(sourceTimeKeyRange(0, 20_000_000_000_000)).toEqual({
      low: '1000000000000',
      high: '9999999999999$',
    });
  });

  it('rounds a fractional window inwards, to the whole milliseconds a source time can be', () => {
    expect(sourceTimeKeyRange(MS + 0.5, MS + 9.5)).toEqual({ low: `${MS + 1}`, high: `${MS + 9}$` });
  });

  it.each([
    ['wholly before 2001', 0, 999_999_999_999],
    ['wholly after 2286', 10_000_000_000_000, 20_000_000_000_000],
    ['empty', MS + 1, MS],
  ])('is undefined for a window %s', (_, startMs, endMs) => {
    expect(sourceTimeKeyRange(startMs, endMs)).toBeUndefined();
  });

  it('holds a window of one millisecond', () => {
    expect(sourceTimeKeyRange(MS, MS)).toEqual({ low: `${MS}`, high: `${MS}$` });
  });
});
