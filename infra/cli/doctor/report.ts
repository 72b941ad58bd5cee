// What a doctor check finds and how it is printed: one line per check (`ok` / `WARN` / `FAIL`, or `skip`
// when an earlier finding makes the check meaningless), the evidence, and what to do; or with `--json` one
// JSON object per check. Every line passes through `redact` before it is written: no key reaches a stream.

export type CheckStatus = 'ok' | 'WARN' | 'FAIL' | 'skip';

/** The check families, in the order doctor runs them. */
export const DOCTOR_FAMILIES = [
  'network',
  'proxy',
  'cache',
  'key',
  'permission',
  'clock',
  'stream',
  'throughput',
] as const;
export type DoctorFamily = (typeof DOCTOR_FAMILIES)[number];

export interface CheckResult {
  /** `<family>.<name>`, e.g. `key.accepted`: stable, for scripts reading `--json`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was observed, in one sentence (never a key). */
  readonly evidence: string;
  /** What to do about it; absent when nothing is to be done. */
  readonly action?: string;
  /** The runtime diagnosis's cause id, when the verdict comes from it (diagnose.ts). */
  readonly cause?: string;
  /** Figures for scripts (milliseconds, counts); printed only with `--json`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ReportWriter {
  /** Writes one check as it completes. */
  check(result: CheckResult): void;
  /** Writes the closing summary; returns the exit code: 0 when nothing FAILed, else 1. */
  finish(): 0 | 1;
}

const STATUS_WIDTH = 5;

/** Text lines (`--json` off) or one JSON object per check, every line redacted first. */
export function reportWriter(
  out: NodeJS.WritableStream,
  options: { readonly json: boolean; readonly redact: (text: string) => string },
): ReportWriter {
  const results: CheckResult[] = [];
  const write = (line: string) => out.write(`${options.redact(line)}\n`);
  return {
    check(result) {
      results.push(result);
      if (options.json) {
        write(JSON.stringify({ check: result.id, ...withoutId(result) }));
        return;
      }
      for (const line of textLines(result)) write(line);
    },
    finish() {
      const counts = countByStatus(results);
      const failed = counts.FAIL > 0;
      if (options.json) {
        write(JSON.stringify({ summary: counts, exitCode: failed ? 1 : 0 }));
      } else {
        const parts = [`${counts.ok} ok`, `${counts.WARN} WARN`, `${counts.FAIL} FAIL`];
        if (counts.skip > 0) parts.push(`${counts.skip} skipped`);
        write(`summary: ${parts.join(', ')}${failed ? '' : ' (nothing failed)'}`);
      }
      return failed ? 1 : 0;
    },
  };
}

/** `WARN  key.expiry  <evidence>` and, indented under it, `→ <action>`. */
export function textLines(result: CheckResult): string[] {
  const head = `${result.status.padEnd(STATUS_WIDTH)} ${result.id.padEnd(22)} ${result.evidence}`;
  return result.action ? [head, `${' '.repeat(STATUS_WIDTH + 1)}→ ${result.action}`] : [head];
}

export function countByStatus(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, WARN: 0, FAIL: 0, skip: 0 };
  for (const result of results) counts[result.status] += 1;
  return counts;
}

function withoutId(result: CheckResult): Omit<CheckResult, 'id'> {
  const { id: _id, ...rest } = result;
  return rest;
}

/** Progress for long checks, on a TTY only, overwritten in place and cleared when done. */
export function progressLine(err: NodeJS.WritableStream & { isTTY?: boolean }): {
  show(text: string): void;
  clear(): void;
} {
  let shown = false;
  return {
    show(text) {
      if (!err.isTTY) return;
      err.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    clear() {
      if (!shown) return;
      err.write('\r\x1b[2K');
      shown = false;
    },
  };
}
