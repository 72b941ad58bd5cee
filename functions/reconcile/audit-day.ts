// The window a scheduled audit covers: the `days` before the latest midnight in the job's time zone,
// reaching back the job's overlap further (the span a sync re-reads, so an entry stamped just before
// midnight and synced after it is audited too). Midnights come from Intl, so days of 23 or 25 hours
// (daylight saving) end where the clock on the wall says.

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface AuditWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

export function auditWindowFor(
  nowMs: number,
  timeZone: string,
  days: number,
  overlapMs: number,
): AuditWindow {
  const toMs = midnightBefore(nowMs, timeZone);
  // A few hours into the first day, whatever the length of the days between.
  const fromMs = midnightBefore(toMs - days * DAY_MS + 3 * HOUR_MS, timeZone);
  return { fromMs: fromMs - overlapMs, toMs };
}

/** The latest midnight at or before `ms` on the wall clocks of `timeZone`. */
export function midnightBefore(ms: number, timeZone: string): number {
  const wall = wallClock(ms, timeZone);
  const guess = ms - (wall.hour * HOUR_MS + wall.minute * 60_000 + wall.second * 1_000 + (ms % 1_000));
  // The offset may differ at midnight from now (a change of daylight saving that night): correct once.
  const atGuess = wallClock(guess, timeZone);
  const drift = atGuess.hour * HOUR_MS + atGuess.minute * 60_000;
  if (drift === 0) return guess;
  return drift > 12 * HOUR_MS ? guess + (DAY_MS - drift) : guess - drift;
}

function wallClock(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { hour: part('hour'), minute: part('minute'), second: part('second') };
}
