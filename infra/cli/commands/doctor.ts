// `syncwarden doctor`: not built yet (see the issue that asks for it).
import type { CliCommand } from '../io.js';

export const doctorCommand: CliCommand = {
  summary: 'not built yet',
  async run(_argv, io) {
    io.stderr.write('syncwarden doctor: not built yet\n');
    return 1;
  },
};
