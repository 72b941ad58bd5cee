// `npx syncwarden audit|backfill` as an operator runs them: a child process through the package's bin,
// its usage and usage errors (resolving a target is the target module's concern; see audit.test.ts for
// the commands' work in-process).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['syncwarden', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

describe('npx syncwarden audit / backfill', { timeout: 60_000 }, () => {
  it('prints the audit usage with --help', async () => {
    const { code, stdout } = await run('audit', '--help');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: syncwarden audit --job <name> --from <time>/);
    expect(stdout).toMatch(/--repair .*\n.*--prune/);
  });

  it('exits 2 naming what is missing when --job is not given', async () => {
    const audit = await run('audit', '--from', '2h');
    const backfill = await run('backfill', '--job', 'orders');

    expect(audit).toMatchObject({ code: 2, stdout: '' });
    expect(audit.stderr).toBe('syncwarden audit: --job <name> is required\n');
    expect(backfill.code).toBe(2);
    expect(backfill.stderr).toMatch(/^syncwarden backfill: --from is required/);
  });
});
