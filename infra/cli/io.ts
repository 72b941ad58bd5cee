// What a CLI command may touch of the process: its streams and environment. Commands take this as an
// argument (never `process` directly) so tests run them in-process and read what they printed.

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** A command's exit code: 0 when nothing failed, 1 when a check or the work failed, 2 for a usage error. */
export type ExitCode = 0 | 1 | 2;

export interface CliCommand {
  /** One line for `syncwarden --help`. */
  readonly summary: string;
  run(argv: string[], io: CliIo): Promise<ExitCode>;
}

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
