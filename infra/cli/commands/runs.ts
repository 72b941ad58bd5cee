// `syncwarden runs`: not built yet (see the issue that asks for it).
import type { CliCommand } from '../io.js';

export const runsCommand: CliCommand = {
  summary: 'not built yet',
  async run(_argv, io) {
    io.stderr.write('syncwarden runs: not built yet\n');
    return 1;
  },
};
