// Parses the local runner's human durations ("30s", "2m", "500ms", "1h").

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const unit = match?.[2];
  if (!match || !unit) {
    throw new Error(`${flag}: expected a duration such as 500ms, 30s, 2m or 1h, got ${JSON.stringify(text)}`);
  }
  const ms = Number(match[1]) * (UNIT_MS[unit] as number);
  if (ms <= 0) throw new Error(`${flag}: expected a duration above zero, got ${JSON.stringify(text)}`);
  return ms;
}

/** A duration that may be negative ("-700ms"), for offsets. */
export function parseSignedDurationMs(flag: string, text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0' || /^[+-]?0+(\.0+)?(ms|s|m|h)$/.test(trimmed)) return 0;
  const negative = trimmed.startsWith('-');
  return (negative ? -1 : 1) * parseDurationMs(flag, trimmed.replace(/^[+-]/, ''));
}
