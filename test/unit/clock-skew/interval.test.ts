import { describe, expect, it } from 'vitest';
import {
  intersect,
  intervalOf,
  isEmpty,
  isSuspectedTimezone,
  nextSendTimeMs,
  offsetAndBound,
  pairwiseSkew,
} from '../../../functions/clock-skew/interval.js';

describe('Date-header interval arithmetic', () => {
  it('bounds the offset by [S − received, S + 1 s − sent) for one bracketed answer', () => {
    const interval = intervalOf({ sentAtMs: 10_400, receivedAtMs: 10_450, serverDateMs: 12_000 });
    expect(interval).toEqual({ lowerMs: 1_550, upperMs: 2_600 });
  });

  it('narrows to the overlap of two answers and reports its midpoint and half-width', () => {
    const a = intervalOf({ sentAtMs: 10_400, receivedAtMs: 10_450, serverDateMs: 12_000 });
    const b = intervalOf({ sentAtMs: 11_000, receivedAtMs: 11_002, serverDateMs: 13_000 });
    const both = intersect(a, b);
    expect(both).toEqual({ lowerMs: 1_998, upperMs: 2_600 });
    expect(offsetAndBound(both)).toEqual({ offsetMs: 2_299, boundMs: 301 });
  });

  it('finds no offset when two answers cannot come from one clock', () => {
    const a = intervalOf({ sentAtMs: 10_000, receivedAtMs: 10_010, serverDateMs: 10_000 });
    const b = intervalOf({ sentAtMs: 11_500, receivedAtMs: 11_510, serverDateMs: 10_000 });
    expect(isEmpty(intersect(a, b))).toBe(true);
  });

  it('aims the next send so a server with the midpoint offset is on a second boundary when it answers', () => {
    const interval = { lowerMs: -250.5, upperMs: 749.5 };
    const sendAtMs = nextSendTimeMs(interval, 50_000.3, 0.2);
    const serverAtArrivalMs = sendAtMs + 0.2 + 249.5;
    expect(Math.abs(serverAtArrivalMs - Math.round(serverAtArrivalMs / 1000) * 1000)).toBeLessThan(1e-6);
    expect(sendAtMs).toBeGreaterThanOrEqual(50_000.3);
    expect(sendAtMs).toBeLessThan(51_000.3);
  });
});

describe('timezone suspicion', () => {
  it('flags an offset of one hour and a quarter second', () => {
    expect(isSuspectedTimezone(3_600_250, 0.8)).toBe(true);
  });

  it('flags a negative whole-zone offset', () => {
    expect(isSuspectedTimezone(-5 * 3_600_000 - 1_200, 1)).toBe(true);
  });

  it('does not flag offsets under 899 s even when near 15 minutes', () => {
    expect(isSuspectedTimezone(898_999, 1)).toBe(false);
    expect(isSuspectedTimezone(899_000, 1)).toBe(true);
  });

  it('flags at exactly 2 s from a multiple of 15 minutes and not beyond when the bound is small', () => {
    expect(isSuspectedTimezone(902_000, 0.5)).toBe(true);
    expect(isSuspectedTimezone(902_001, 0.5)).toBe(false);
  });

  it('widens the slack to twice the bound when the bound exceeds 1 s', () => {
    expect(isSuspectedTimezone(902_900, 1_500)).toBe(true);
    expect(isSuspectedTimezone(903_001, 1_500)).toBe(false);
  });

  it('does not flag an offset half-way between two zone steps', () => {
    expect(isSuspectedTimezone(1_350_000, 1)).toBe(false);
  });
});

describe('pairwise skew', () => {
  it('subtracts the offsets and adds the bounds', () => {
    const skew = pairwiseSkew(
      { name: 'auth', offsetMs: 120.5, boundMs: 0.75 },
      { name: 'tw', offsetMs: -30, boundMs: 1 },
    );
    expect(skew).toEqual({ pair: 'auth|tw', skewMs: 150.5, boundMs: 1.75, absSkewUpperMs: 152.25 });
  });
});
