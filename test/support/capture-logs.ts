// Captures everything a test writes to stdout, stderr and the console (Powertools Logger and EMF
// metrics included), so a test can assert that a secret never appears in any output.
import { inspect } from 'node:util';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

export interface CapturedOutput {
  /** Everything written so far, in order. */
  text(): string;
  /** Non-empty lines written so far. */
  lines(): string[];
  /** Lines that parse as JSON objects (structured log lines and EMF metric records). */
  jsonLines(): Record<string, unknown>[];
  /** Puts the real streams and console back; safe to call twice. */
  restore(): void;
}

/** Starts capturing; output is swallowed (not echoed) until `restore()`. */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
    );
  };
  const originalStdout = process.stdout.write;
  const originalStderr = process.stderr.write;
  const originalConsole = Object.fromEntries(CONSOLE_METHODS.map((name) => [name, console[name]]));

  const fakeWrite = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = fakeWrite;
  process.stderr.write = fakeWrite;
  for (const name of CONSOLE_METHODS) {
    console[name] = (...args: unknown[]) =>
      record(
        `${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' ')}\n`,
      );
  }

  let restored = false;
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
  return {
    text: () => chunks.join(''),
    lines,
    jsonLines: () =>
      lines().flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    restore: () => {
      if (restored) return;
      restored = true;
      process.stdout.write = originalStdout;
      process.stderr.write = originalStderr;
      for (const name of CONSOLE_METHODS)
        console[name] = originalConsole[name] as (typeof console)[typeof name];
    },
  };
}

/**
 * Everything an error could show anywhere: message, stack, `cause` chain and own properties
 * (evidence), as `util.inspect` and JSON render them.
 */
export function everythingAbout(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 20, showHidden: true })];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 20; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '');
      try {
        parts.push(JSON.stringify(current, Object.getOwnPropertyNames(current)));
      } catch {
        // circular own properties: inspect above already rendered them
      }
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : inspect(current, { depth: 20 }));
      current = undefined;
    }
  }
  return parts.join('\n');
}
