// Ends a child process once this one is gone, however it went: a SIGKILL (the OOM killer, `kill -9`) runs
// no exit handler. A small detached Node process holds a pipe from this one; the kernel closes the pipe
// when this process dies, and the watchdog then kills the child. For DynamoDB Local out of the terminal's
// process group (dynamodb-local.ts), which nothing else would stop.
import { spawn } from 'node:child_process';

/** Runs in the watchdog: `release` on the pipe first means the child was stopped already; leave it be. */
const WATCHDOG_SOURCE = `
const pid = Number(process.argv[1]);
let released = false;
process.stdin.on('data', () => { released = true; });
process.stdin.on('close', () => {
  if (!released) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
});
`;

export interface OrphanWatchdog {
  /** The child has been stopped by other means: the watchdog exits without killing anything. */
  release(): void;
}

export function killWhenOrphaned(pid: number): OrphanWatchdog {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe keeps this process running.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  watchdog.stdin.on('error', () => undefined); // a watchdog already gone
  return {
    release() {
      watchdog.stdin.end('release\n');
    },
  };
}
