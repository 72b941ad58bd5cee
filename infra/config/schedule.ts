// EventBridge Scheduler expressions checked at synth time, and the interval between runs they imply
// (the gap alarm waits 2 intervals; a timeout longer than the interval would make every run overlap).

/** A recurring schedule as the configuration states it. */
export interface ScheduleConfig {
  /** `rate(4 hours)` or `cron(0 0/4 * * ? *)`. @default 'rate(4 hours)' */
  readonly expression: string;
  /** IANA time zone a cron expression is evaluated in. @default 'UTC' */
  readonly timezone: string;
  /**
   * Longest time between two runs, in minutes. Derived from rate() and from daily cron expressions;
   * required for a cron that does not fire every day.
   * @default - derived from the expression
   */
  readonly intervalMinutes?: number | undefined;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const MINUTES_PER_UNIT: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

/** Why an expression is not a valid recurring Scheduler expression, or undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('at('))
    return 'a one-time at() schedule cannot drive a recurring sync; use rate() or cron()';
  const rate = RATE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) return 'a rate must be at least 1';
    if (value === 1 && unit.endsWith('s')) return `write rate(1 ${unit.slice(0, -1)}) (singular unit for 1)`;
    if (value > 1 && !unit.endsWith('s'))
      return `write rate(${value} ${unit}s) (plural unit for more than 1)`;
    return undefined;
  }
  const cron = CRON.exec(text);
  if (!cron)
    return 'expected rate(<n> minutes|hours|days) or cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)';
  return cronProblem((cron[1] as string).trim().split(/\s+/));
}

function cronProblem(fields: string[]): string | undefined {
  if (fields.length !== 6) {
    return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const checks: [string, string, RegExp][] = [
    ['minutes', minutes, /^[0-9,\-*/]+$/],
    ['hours', hours, /^[0-9,\-*/]+$/],
    ['day-of-month', dayOfMonth, /^[0-9,\-*/?LW]+$/],
    ['month', month, /^[0-9A-Za-z,\-*/]+$/],
    ['day-of-week', dayOfWeek, /^[0-9A-Za-z,\-*/?L#]+$/],
    ['year', year, /^[0-9,\-*/]+$/],
  ];
  for (const [name, value, pattern] of checks) {
    if (!pattern.test(value))
      return `the cron ${name} field ${JSON.stringify(value)} has characters it cannot hold`;
  }
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of the cron day-of-month and day-of-week fields must be "?"';
  }
  if (expandField(minutes, 0, 59) === undefined)
    return `the cron minutes field ${JSON.stringify(minutes)} is not valid (0-59)`;
  if (expandField(hours, 0, 23) === undefined)
    return `the cron hours field ${JSON.stringify(hours)} is not valid (0-23)`;
  return undefined;
}

/**
 * The longest time between two runs, in minutes, or undefined when it cannot be derived (a cron
 * that does not fire every day). Time zone shifts (DST) are ignored: they move runs by an hour at most.
 */
export function scheduleIntervalMinutes(expression: string): number | undefined {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) return Number(rate[1]) * (MINUTES_PER_UNIT[(rate[2] as string).replace(/s$/, '')] ?? Number.NaN);
  const cron = CRON.exec(text);
  if (!cron) return undefined;
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = (cron[1] as string).trim().split(/\s+/);
  const everyDay = (field: string | undefined) => field === '*' || field === '?';
  if (!everyDay(dayOfMonth) || !everyDay(dayOfWeek) || month !== '*' || year !== '*') return undefined;
  const minuteSet = expandField(minutes ?? '', 0, 59);
  const hourSet = expandField(hours ?? '', 0, 23);
  if (!minuteSet || !hourSet) return undefined;
  const times = hourSet.flatMap((h) => minuteSet.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let longest = 0;
  times.forEach((time, index) => {
    const next = index + 1 < times.length ? (times[index + 1] as number) : (times[0] as number) + 1440;
    longest = Math.max(longest, next - time);
  });
  return longest;
}

/** Expands a numeric cron field (`*`, `n`, `a-b`, `*\/s`, `a/s`, `a-b/s`, lists) to its values. */
function expandField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const start = match[1] === '*' ? min : Number(match[1]);
    const end = match[2] !== undefined ? Number(match[2]) : match[1] === '*' || match[3] ? max : start;
    const step = match[3] !== undefined ? Number(match[3]) : 1;
    if (start < min || end > max || start > end || step < 1) return undefined;
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return values.size > 0 ? [...values].sort((a, b) => a - b) : undefined;
}

/** True when the runtime knows the IANA time zone (Scheduler accepts the same names). */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
