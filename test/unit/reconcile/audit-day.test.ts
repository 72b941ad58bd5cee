import { describe, expect, it } from 'vitest';
import { auditWindowFor, midnightBefore } from '../../../functions/reconcile/audit-day.js';

const at = (iso: string) => Date.parse(iso);

describe('the scheduled audit window', () => {
  it('covers the day before the latest UTC midnight, plus the overlap before it', () => {
    const window = auditWindowFor(at('2026-12-03T02:00:00Z'), 'UTC', 1, 300_000);

    expect(window).toEqual({ fromMs: at('2026-12-01T23:55:00Z'), toMs: at('2026-12-03T00:00:00Z') });
  });

  it('ends at midnight on the wall clocks of the job time zone', () => {
    // 02:00 in Berlin on 3 December is 01:00 UTC; its midnight was 23:00 UTC the day before.
    expect(midnightBefore(at('2026-12-03T01:00:00Z'), 'Europe/Berlin')).toBe(at('2026-12-02T23:00:00Z'));
    expect(midnightBefore(at('2026-12-03T03:30:00Z'), 'America/New_York')).toBe(at('2026-12-02T05:00:00Z'));
  });

  it('spans a 23-hour day where daylight saving starts', () => {
    // Europe/Berlin moved from +01:00 to +02:00 on 29 March 2026.
    const window = auditWindowFor(at('2026-03-30T00:30:00Z'), 'Europe/Berlin', 1, 0);

    expect(window).toEqual({ fromMs: at('2026-03-28T23:00:00Z'), toMs: at('2026-03-29T22:00:00Z') });
  });

  it('spans a 25-hour day where daylight saving ends, over several days', () => {
    // Europe/Berlin moved back from +02:00 to +01:00 on 25 October 2026.
    const window = auditWindowFor(at('2026-10-26T05:00:00Z'), 'Europe/Berlin', 2, 0);

    expect(window).toEqual({ fromMs: at('2026-10-23T22:00:00Z'), toMs: at('2026-10-25T23:00:00Z') });
  });
});
