// A one-line progress bar on stderr, redrawn in place, for a terminal only: piped or --json output
// stays clean. Progress is the share of the window's source time done, which is what the pager knows.
import type { CliIo } from './io.js';

const WIDTH = 30;

export interface ProgressBar {
  update(progress: { fromMs: number; toMs: number; throughMs: number }): void;
  done(): void;
}

export function progressBar(io: CliIo, label: string, enabled: boolean): ProgressBar {
  if (!enabled || !io.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  return {
    update: ({ fromMs, toMs, throughMs }) => {
      const share = Math.min(1, Math.max(0, (throughMs - fromMs) / (toMs - fromMs)));
      const filled = Math.round(share * WIDTH);
      const at = new Date(Math.min(throughMs, toMs)).toISOString().slice(0, 16);
      io.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)
          .toString()
          .padStart(3)}%  through ${at}Z`,
      );
      drawn = true;
    },
    done: () => {
      if (drawn) io.stderr.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
