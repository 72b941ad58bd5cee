import { describe, expect, it } from 'vitest';
import { parseTimeArgument, parseWindowArguments } from '../../../infra/cli/time-arguments.js';

const NOW = Date.parse('2026-12-03T18:30:00Z');

describe('operator time arguments', () => {
  it('reads a duration as that long before now', () => {
    expect(parseTimeArgument('--since', '2h', NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseTimeArgument('--since', '90s', NOW)).toBe(NOW - 90_000);
    expect(parseTimeArgument('--since', '3d', NOW)).toBe(NOW - 3 * 86_400_000);
  });

  it('reads HH:MM as today in the local time zone', () => {
    const expected = new Date(NOW);
    expected.setHours(4, 0, 0, 0);
    expect(parseTimeArgument('--since', '04:00', NOW)).toBe(expected.getTime());
  });

  it('reads ISO-8601 instants, with or without an offset', () => {
    expect(parseTimeArgument('--from', '2026-12-01T00:00:00Z', NOW)).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(parseTimeArgument('--from', '2026-12-01T02:00:00+02:00', NOW)).toBe(
      Date.parse('2026-12-01T00:00:00Z'),
    );
  });

  it.each(['yesterday', '12/3', '25:00', '2h ago', ''])('names what it expected for %j', (text) => {
    expect(() => parseTimeArgument('--since', text, NOW)).toThrow(/--since: .*(expected|not a time of day)/);
  });

  it('refuses a window that ends before it starts, naming both ends', () => {
    expect(() => parseWindowArguments('1h', '2h', NOW)).toThrow(
      /--to \(2026-12-03T16:30:00.000Z\) must be after --from/,
    );
    expect(parseWindowArguments('2h', undefined, NOW)).toEqual({ fromMs: NOW - 7_200_000, toMs: NOW });
    expect(() => parseWindowArguments(undefined, '1h', NOW)).toThrow(/--from is required/);
  });
});
