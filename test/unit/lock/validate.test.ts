// The lock's argument checks, whole messages included: the message is what an operator reads when a
// deployment passes a bad value, so it must name the field, say what was expected and show what came
// (a scalar as written, anything else only by its type, so an object's contents never reach a log).
import { describe, expect, it } from 'vitest';
import {
  requireJobName,
  requireLease,
  requireNonEmptyString,
  requireNonNegativeIntegerMs,
  requirePositiveIntegerMs,
} from '../../../functions/lock/validate.js';
import { InvalidInputError } from '../../../functions/shared/errors.js';

const lease = { job: 'orders', owner: 'req#abc', fence: 1, leaseUntilMs: 0, acquiredAtMs: 0 };

describe('job names', () => {
  it('accepts a name of exactly 200 characters and hands it back', () => {
    const name = 'x'.repeat(200);

    expect(requireJobName('job', name)).toBe(name);
  });

  it('rejects a name over 200 characters, saying the limit', () => {
    expect(() => requireJobName('job', 'x'.repeat(201))).toThrow(
      `job: expected a non-empty string of at most 200 characters, got "${'x'.repeat(201)}"`,
    );
  });

  it('rejects an empty name and a name that is not a string', () => {
    expect(() => requireJobName('job', '')).toThrow(
      'job: expected a non-empty string of at most 200 characters, got ""',
    );
    expect(() => requireJobName('job', 42)).toThrow(
      'job: expected a non-empty string of at most 200 characters, got 42',
    );
  });

  it.each([
    ['a space', 'nightly orders'],
    ['a tab', 'nightly\torders'],
    ['a non-breaking space', 'nightly\u00a0orders'],
    ['a NUL (a control character that is not whitespace)', 'orders\u0000'],
    ['a DEL', 'orders\u007f'],
  ])('rejects a name with %s, naming what a job name may not contain', (_label, name) => {
    expect(() => requireJobName('job', name)).toThrow(
      `job: expected a job name without whitespace or control characters, got ${JSON.stringify(name)}`,
    );
  });

  it('accepts names with punctuation and non-Latin letters', () => {
    for (const name of ['orders', 'orders-eu_1.v2', 'aufträge', '注文']) {
      expect(requireJobName('job', name)).toBe(name);
    }
  });
});

describe('strings', () => {
  it('rejects a blank string, showing it quoted', () => {
    expect(() => requireNonEmptyString('requestId', ' \t')).toThrow(
      'requestId: expected a non-empty string, got " \\t"',
    );
  });

  it('keeps the surrounding whitespace of a string it accepts', () => {
    expect(requireNonEmptyString('requestId', ' req ')).toBe(' req ');
  });
});

describe('milliseconds', () => {
  it('accepts 0 as a non-negative duration and rejects -1, saying what was expected', () => {
    expect(requireNonNegativeIntegerMs('remainingTimeMs', 0)).toBe(0);
    expect(() => requireNonNegativeIntegerMs('remainingTimeMs', -1)).toThrow(
      'remainingTimeMs: expected an integer number of milliseconds >= 0, got -1',
    );
  });

  it('rejects a numeric string rather than converting it', () => {
    expect(() => requireNonNegativeIntegerMs('remainingTimeMs', '5')).toThrow(
      'remainingTimeMs: expected an integer number of milliseconds >= 0, got "5"',
    );
    expect(() => requirePositiveIntegerMs('extendByMs', '5')).toThrow(
      'extendByMs: expected an integer number of milliseconds > 0, got "5"',
    );
  });

  it('shows NaN and Infinity as written', () => {
    expect(() => requireNonNegativeIntegerMs('remainingTimeMs', Number.NaN)).toThrow(
      'remainingTimeMs: expected an integer number of milliseconds >= 0, got NaN',
    );
    expect(() => requirePositiveIntegerMs('extendByMs', Number.POSITIVE_INFINITY)).toThrow(
      'extendByMs: expected an integer number of milliseconds > 0, got Infinity',
    );
  });

  it('rejects integers beyond the safe range', () => {
    expect(() => requirePositiveIntegerMs('extendByMs', 2 ** 53)).toThrow(
      `extendByMs: expected an integer number of milliseconds > 0, got ${2 ** 53}`,
    );
  });

  it('accepts 1 as a positive duration and rejects 0', () => {
    expect(requirePositiveIntegerMs('extendByMs', 1)).toBe(1);
    expect(() => requirePositiveIntegerMs('extendByMs', 0)).toThrow(
      'extendByMs: expected an integer number of milliseconds > 0, got 0',
    );
  });
});

describe('leases', () => {
  it('hands back a well-formed lease, fence 1 included', () => {
    expect(requireLease('lease', lease)).toBe(lease);
  });

  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a string', 'req#abc', '"req#abc"'],
  ])('rejects %s as a lease, saying a lease comes from acquire()', (_label, value, shown) => {
    expect(() => requireLease('lease', value)).toThrow(
      `lease: expected a lease returned by acquire(), got ${shown}`,
    );
  });

  it.each([
    ['job', { job: 'nightly orders' }, 'lease.job: expected a job name without whitespace'],
    ['owner', { owner: undefined }, 'lease.owner: expected a non-empty string, got undefined'],
    ['fence', { fence: '3' }, 'lease.fence: expected an integer >= 1, got "3"'],
    ['fence', { fence: 2 ** 53 }, `lease.fence: expected an integer >= 1, got ${2 ** 53}`],
    [
      'leaseUntilMs',
      { leaseUntilMs: -1 },
      'lease.leaseUntilMs: expected an integer number of milliseconds >= 0',
    ],
    [
      'acquiredAtMs',
      { acquiredAtMs: 0.5 },
      'lease.acquiredAtMs: expected an integer number of milliseconds >= 0',
    ],
  ])('names lease.%s when that field is malformed', (_field, change, message) => {
    expect(() => requireLease('lease', { ...lease, ...change })).toThrow(message);
  });
});

describe('what a message shows of the value it got', () => {
  it('shows booleans and null as written', () => {
    expect(() => requireNonEmptyString('owner', true)).toThrow(
      'owner: expected a non-empty string, got true',
    );
    expect(() => requireNonEmptyString('owner', null)).toThrow(
      'owner: expected a non-empty string, got null',
    );
  });

  it('shows an object, an array or a function only by its type, never its contents', () => {
    const secretBearing = { apiKey: 'do-not-log-me' };

    for (const value of [secretBearing, ['do-not-log-me'], () => 'do-not-log-me']) {
      const error = (() => {
        try {
          requireNonEmptyString('owner', value);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toBe(`owner: expected a non-empty string, got ${typeof value}`);
      expect((error as Error).message).not.toContain('do-not-log-me');
    }
  });
});
