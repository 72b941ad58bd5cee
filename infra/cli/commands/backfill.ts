// `syncwarden backfill`: not built yet (see the issue that asks for it).
import type { CliCommand } from '../io.js';

export const backfillCommand: CliCommand = {
  summary: 'not built yet',
  async run(_argv, io) {
    io.stderr.write('syncwarden backfill: not built yet\n');
    return 1;
  },
};
