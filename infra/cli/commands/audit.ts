// `syncwarden audit`: not built yet (see the issue that asks for it).
import type { CliCommand } from '../io.js';

export const auditCommand: CliCommand = {
  summary: 'not built yet',
  async run(_argv, io) {
    io.stderr.write('syncwarden audit: not built yet\n');
    return 1;
  },
};
