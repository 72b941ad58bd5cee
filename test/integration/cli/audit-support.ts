// Streams a CLI command writes to, captured as text, with a terminal or not: what the audit and backfill
// command tests read back.
import { Writable } from 'node:stream';
import type { CliIo } from '../../../infra/cli/io.js';

export interface CapturedIo extends CliIo {
  stdoutText(): string;
  stderrText(): string;
}

export function capturedIo(options: { tty?: boolean } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]) => {
    const writable = new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk));
        done();
      },
    }) as Writable & { isTTY?: boolean };
    if (options.tty) writable.isTTY = true;
    return writable;
  };
  return {
    stdout: stream(out),
    stderr: stream(err),
    env: {},
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}
