// The `syncwarden` command line: one entry point, one module per command under commands/.
import { auditCommand } from './commands/audit.js';
import { backfillCommand } from './commands/backfill.js';
import { doctorCommand } from './commands/doctor.js';
import { runsCommand } from './commands/runs.js';
import { statusCommand } from './commands/status.js';
import { type CliCommand, type CliIo, type ExitCode, UsageError } from './io.js';

export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  doctor: doctorCommand,
  status: statusCommand,
  runs: runsCommand,
  audit: auditCommand,
  backfill: backfillCommand,
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'Usage: syncwarden <command> [options]   (syncwarden <command> --help for its options)',
    ...lines,
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`syncwarden: unknown command ${JSON.stringify(name)}\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`syncwarden ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`syncwarden ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
