// `npx syncwarden doctor` as an operator runs it: a child process from the checkout, against a simulator
// over loopback; the report is text, the exit code 0, and the key appears nowhere.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { doctorFixture } from './doctor-harness.js';

const run = promisify(execFile);

describe('npx syncwarden doctor', () => {
  const fx = doctorFixture();

  it('prints one line per check and a summary, exits 0 on a clean server, and never prints the key', async () => {
    const file = fx.keyFile({ expiresAtMs: fx.sim.clock.nowMs() + 30 * 86_400_000 });
    const { stdout, stderr } = await run(
      'npx',
      [
        'syncwarden',
        'doctor',
        '--endpoint',
        fx.sim.baseUrl,
        '--thing',
        'SensorStream',
        '--app-key-file',
        file,
        '--skip',
        'clock',
      ],
      { cwd: process.cwd(), env: { ...process.env, NO_COLOR: '1' } },
    );

    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^syncwarden doctor: http:\/\/127\.0\.0\.1:\d+\/, Thing SensorStream/);
    expect(lines.filter((line) => /^(ok|WARN|FAIL|skip) {2}/.test(line)).length).toBeGreaterThanOrEqual(17);
    expect(lines.at(-1)).toMatch(/^summary: \d+ ok, 0 WARN, 0 FAIL \(nothing failed\)$/);
    for (const key of fx.keyValues) expect(stdout + stderr).not.toContain(key);
  }, 60_000);

  it('exits 1 when a check fails', async () => {
    const file = fx.keyFile();
    fx.sim.keys.revoke(fx.keyValues.at(-1) as string);
    const failure = await run(
      'npx',
      [
        'syncwarden',
        'doctor',
        '--endpoint',
        fx.sim.baseUrl,
        '--thing',
        'SensorStream',
        '--app-key-file',
        file,
        '--only',
        'key',
      ],
      { cwd: process.cwd() },
    ).catch((error: { code: number; stdout: string }) => error);

    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stdout: string }).stdout).toMatch(/^FAIL {2}key\.accepted +refused: invalid-key/m);
  }, 60_000);
});
