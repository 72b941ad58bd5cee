// `npm start` as an operator runs it: infra/local/run-local.ts in a process of its own, with its own state
// directory, DynamoDB Local and simulator. The README's first command must work, and a Ctrl-C at the
// terminal (SIGINT to the whole foreground process group) must end the run in progress and still print
// the summary and the gap check: the emulator they need runs in a group of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../functions/shared/concurrency.js';
import { REPOSITORY_ROOT } from '../../../infra/aws/service-function.js';

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
      process.kill(group, 'SIGTERM');
      await sleep(200);
      if (session.child.exitCode === null) process.kill(group, 'SIGTERM');
      const ended = await Promise.race([session.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!ended) process.kill(group, 'SIGKILL');
    }
    rmSync(session.stateDir, { recursive: true, force: true });
  }
});

/** `npm start -- <args>`, as the leader of its own process group (a terminal's foreground job). */
function npmStart(args: string[]): Session {
  const stateDir = mkdtempSync(join(tmpdir(), 'syncwarden-npm-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/run-local.ts', ...args], {
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

const emulatorEndpoint = (session: Session) =>
  /DynamoDB Local {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(session.output())?.[1] as string;

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('syncs on the embedded stack, finds no gap and exits 0, never printing the app key', async () => {
    const session = npmStart(['--runs', '2', '--every', '1s']);

    expect(await session.exited).toBe(0);
    const output = session.output();
    expect(output).toMatch(/run 1: succeeded, \d+ records written/);
    expect(output).toMatch(/run 2: succeeded/);
    expect(output).toMatch(/Summary: 2 runs, 2 succeeded, 0 skipped, 0 failed/);
    expect(output).toMatch(/gaps found: 0, stale records: 0/);
    expect(output).not.toContain(appKeyOf(session));
    expect(await answers(emulatorEndpoint(session))).toBe(false);
  }, 120_000);

  it('on Ctrl-C, finishes the run in progress, prints the summary and the gap check, and stops DynamoDB Local', async () => {
    const session = npmStart(['--every', '1s']);
    await session.until(/run 1: /);
    const endpoint = emulatorEndpoint(session);

    process.kill(-(session.child.pid as number), 'SIGINT');

    expect(await session.exited).toBe(0);
    const output = session.output();
    expect(output).toContain('Ctrl-C: finishing the run in progress, then stopping');
    expect(output).toMatch(/Summary: \d+ runs, \d+ succeeded, 0 skipped, 0 failed/);
    expect(output).toMatch(/gaps found: 0, stale records: 0/);
    expect(output).not.toContain('npm start failed');
    expect(await answers(endpoint)).toBe(false);
  }, 120_000);

  it('when its terminal hangs up, exits at once and takes DynamoDB Local with it', async () => {
    const session = npmStart(['--every', '1s']);
    await session.until(/run 1: /);
    const endpoint = emulatorEndpoint(session);

    process.kill(-(session.child.pid as number), 'SIGHUP');

    expect(await session.exited).toBe(129);
    expect(await answers(endpoint)).toBe(false);
  }, 120_000);
});
