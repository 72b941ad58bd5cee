// The times operator commands accept (`--since`, `--from`, `--to`): an ISO-8601 instant, `HH:MM`
// (today, in the machine's local time zone), or a duration back from now (`90s`, `2h`, `3d`).

const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const EXPECTED =
  'an ISO-8601 time (2026-12-03T04:00:00Z), HH:MM (today, local time) or a duration back from now (2h, 30m, 3d)';

/** Parses one time argument into epoch milliseconds; `now` is passed in so tests fix it. */
export function parseTimeArgument(flag: string, text: string, nowMs: number): number {
  const trimmed = text.trim();
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(trimmed);
  if (duration) return nowMs - Number(duration[1]) * (DURATION_UNIT_MS[duration[2] as string] as number);

  const clock = /^(\d{1,2}):(\d{2})$/.exec(trimmed);
  if (clock) {
    const hours = Number(clock[1]);
    const minutes = Number(clock[2]);
    if (hours > 23 || minutes > 59)
      throw new Error(`${flag}: ${JSON.stringify(text)} is not a time of day; expected ${EXPECTED}`);
    const today = new Date(nowMs);
    today.setHours(hours, minutes, 0, 0);
    return today.getTime();
  }

  // Only full dates or date-times: Date.parse also takes forms such as "12/3" whose meaning varies.
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms;
  }
  throw new Error(`${flag}: expected ${EXPECTED}, got ${JSON.stringify(text)}`);
}

/** `--from`/`--to` as a half-open window [from, to), checked to be non-empty. */
export function parseWindowArguments(
  from: string | undefined,
  to: string | undefined,
  nowMs: number,
): { readonly fromMs: number; readonly toMs: number } {
  if (from === undefined) throw new Error(`--from is required: ${EXPECTED}`);
  const fromMs = parseTimeArgument('--from', from, nowMs);
  const toMs = to === undefined ? nowMs : parseTimeArgument('--to', to, nowMs);
  if (toMs <= fromMs) {
    throw new Error(
      `--to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`,
    );
  }
  return { fromMs, toMs };
}
