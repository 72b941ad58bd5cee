// `npm start` as an operator runs it: npm, its shell and infra/local/run-local.ts as one process group (a
// terminal's foreground job), with its own state directory, DynamoDB Local and simulator. The README's first
// command must work, and a Ctrl-C at the terminal (SIGINT to the whole group; npm waits for its script,
// then dies of the same signal) must end the run in progress and still print the summary and the gap check:
// the emulator they need runs in a group of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../functions/shared/concurrency.js';
import { REPOSITORY_ROOT } from '../../../infra/aws/service-function.js';
import { answers, stopsAnswering } from '../../support/endpoint-probe.js';

interface Session {
  readonly child: ChildProcess;
  readonly stateDir: string;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Resolves once the output matches `pattern`. */
  until(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const sessions: Session[] = [];
// A session a failed test left running: two SIGTERMs (the second stops it at once, and its exit takes DynamoDB
// Local with it); a SIGKILL only if that did not end it, as it would leave the emulator running.
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    if (session.child.exitCode === null && session.child.signalCode === null) {
      const group = -(session.child.pid as number);
      signalGroup(group, 'SIGTERM');
      await sleep(1_500); // a repeat within a second counts as the same signal
      signalGroup(group, 'SIGTERM');
      const ended = await Promise.race([session.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!ended) signalGroup(group, 'SIGKILL');
    }
    rmSync(session.stateDir, { recursive: true, force: true });
  }
});

/** The group may have ended by itself in the meantime. */
function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** `npm start -- <args>`, as the leader of its own process group (a terminal's foreground job). */
function npmStart(args: string[]): Session {
  const stateDir = mkdtempSync(join(tmpdir(), 'syncwarden-npm-start-'));
  const child = spawn('npm', ['start', '--', ...args], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, SYNCWARDEN_STATE_DIR: stateDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const session: Session = {
    child,
    stateDir,
    output: () => text,
    exited,
    until: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`npm start did not print ${pattern} within ${timeoutMs} ms; it printed:\n${text}`),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
  sessions.push(session);
  return session;
}

const appKeyOf = (session: Session) =>
  (JSON.parse(readFileSync(join(session.stateDir, 'app-key.json'), 'utf8')) as { appKey: string }).appKey;

function emulatorEndpoint(session: Session): string {
  const endpoint = /DynamoDB Local {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(session.output())?.[1];
  if (!endpoint) throw new Error(`npm start printed no DynamoDB Local endpoint:\n${session.output()}`);
  return endpoint;
}

describe('npm start', () => {
  it('syncs on the embedded stack, finds no gap and exits 0, never printing the app key', async () => {
    const session = npmStart(['--runs', '2', '--every', '1s']);
    await session.until(/DynamoDB Local {3}http/);
    const endpoint = emulatorEndpoint(session);
    expect(await answers(endpoint)).toBe(true);

    expect(await session.exited).toBe(0);
    const output = session.output();
    expect(output).toMatch(/run 1: succeeded, \d+ records written/);
    expect(output).toMatch(/run 2: succeeded/);
    expect(output).toMatch(/Summary: 2 runs, 2 succeeded, 0 skipped, 0 failed/);
    expect(output).toMatch(/gaps found: 0, stale records: 0/);
    expect(output).not.toContain(appKeyOf(session));
    expect(await answers(endpoint)).toBe(false);
  }, 120_000);

  it('on Ctrl-C, ends the run in progress, prints the summary and the gap check, and stops DynamoDB Local', async () => {
    const session = npmStart(['--every', '1s']);
    await session.until(/run 1: /);
    const endpoint = emulatorEndpoint(session);
    expect(await answers(endpoint)).toBe(true);

    signalGroup(-(session.child.pid as number), 'SIGINT');

    // npm waits for its script, then dies of the same SIGINT (so no exit code of the script's to see here).
    await session.exited;
    const output = session.output();
    // Between two runs or during one, as the interrupt finds it; and taken once.
    expect(output).toMatch(
      /Ctrl-C: (finishing the run in progress, then stopping|stopping before the next run)/,
    );
    expect(output).not.toContain('Ctrl-C again: stopping now');
    expect(output).toMatch(/Summary: \d+ runs, \d+ succeeded, 0 skipped, 0 failed/);
    expect(output).toMatch(/gaps found: 0, stale records: 0/);
    expect(output).not.toContain('npm start failed');
    expect(await answers(endpoint)).toBe(false);
  }, 120_000);

  it('when its terminal hangs up, exits and takes DynamoDB Local with it', async () => {
    const session = npmStart(['--every', '1s']);
    await session.until(/run 1: /);
    const endpoint = emulatorEndpoint(session);
    expect(await answers(endpoint)).toBe(true);

    signalGroup(-(session.child.pid as number), 'SIGHUP');

    await session.exited; // npm itself dies of the SIGHUP; its script's exit is what stops the emulator
    expect(await stopsAnswering(endpoint)).toBe(true);
  }, 120_000);
});
