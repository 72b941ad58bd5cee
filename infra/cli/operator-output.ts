// How the operator commands print: aligned text tables for people, one JSON value (or one per line) for
// scripts, instants in UTC ISO-8601 to the second and ages as "3 min ago".

/** Columns padded to their widest cell; the last column is not padded (it holds free text). */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `2026-12-03T04:00:05Z`: UTC, whole seconds (the ledger keeps milliseconds; --json prints them). */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A duration as people read it: `850 ms`, `42.1 s`, `12 min`, `5.5 h`, `3.2 d`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** `3 min ago` for a past instant, `in 40.0 s` for a future one. */
export function formatAge(ms: number, nowMs: number): string {
  return ms <= nowMs ? `${formatDuration(nowMs - ms)} ago` : `in ${formatDuration(ms - nowMs)}`;
}
