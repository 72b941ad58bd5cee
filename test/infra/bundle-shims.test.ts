// The Lambda bundles replace `semver` with infra/aws/bundle-shims/semver-gte.cjs (gte only). That holds as long
// as every bundled package uses nothing of semver's but gte: these tests read what the bundled packages call on
// it, so a dependency upgrade that needs more of semver fails here, not in a Lambda.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { esbuildBuildOptions, LAMBDA_BUNDLING } from '../../infra/aws/bundling.js';
import { CLOCK_SKEW_ENTRY } from '../../infra/aws/clock-skew-monitor.js';
import { JOB_HEALTH_ENTRY } from '../../infra/aws/job-health-check.js';
import { ROTATE_KEY_ENTRY } from '../../infra/aws/key-rotation.js';
import { RECONCILE_ENTRY } from '../../infra/aws/reconcile-job.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import { SYNC_ENTRY } from '../../infra/aws/sync-job.js';

const ENTRIES = [SYNC_ENTRY, CLOCK_SKEW_ENTRY, ROTATE_KEY_ENTRY, RECONCILE_ENTRY, JOB_HEALTH_ENTRY];

async function metafileOf(entry: string, options: { alias: boolean }): Promise<Metafile> {
  const built = await build({
    // write: false, so the outfile only names the output in the metafile.
    ...esbuildBuildOptions(
      join(REPOSITORY_ROOT, entry),
      join(REPOSITORY_ROOT, '.syncwarden', 'unwritten.mjs'),
    ),
    ...(options.alias ? {} : { alias: {} }),
    write: false,
    metafile: true,
  });
  return built.metafile;
}

/** What the module at `path` calls on each name it binds to `require('semver')`. */
function semverMembersUsed(path: string): string[] {
  const source = readFileSync(join(REPOSITORY_ROOT, path), 'utf8');
  const names = [...source.matchAll(/(\w+)\s*=\s*require\(\s*['"]semver['"]\s*\)/g)].map((match) => match[1]);
  if (names.length === 0) return ['(semver imported in a form this test does not read)'];
  return names.flatMap((name) =>
    [...source.matchAll(new RegExp(`\\b${name}\\.(\\w+)`, 'g'))].map((m) => `${m[1]}`),
  );
}

describe('the semver shim of the Lambda bundles', () => {
  it('stands in for every use of semver the bundled packages make: gte, and nothing else', async () => {
    const importers = new Set<string>();
    for (const entry of ENTRIES) {
      const { inputs } = await metafileOf(entry, { alias: false });
      for (const [path, input] of Object.entries(inputs)) {
        if (input.imports.some((imported) => imported.original === 'semver')) importers.add(path);
      }
    }

    expect(importers.size).toBeGreaterThan(0);
    const used = [...importers].map((path) => ({ path, members: [...new Set(semverMembersUsed(path))] }));
    expect(used).toEqual(used.map(({ path }) => ({ path, members: ['gte'] })));
  });

  it("leaves none of semver's own index in a bundle, only its gte and what gte needs", async () => {
    for (const entry of ENTRIES) {
      const { inputs } = await metafileOf(entry, { alias: true });
      const semverFiles = Object.keys(inputs).filter((path) => /node_modules\/semver\//.test(path));

      expect(semverFiles, entry).toContain('node_modules/semver/functions/gte.js');
      expect(
        semverFiles.filter((path) => /semver\/(index|semver)\.js$/.test(path)),
        entry,
      ).toEqual([]);
    }
  });

  it('compares as semver does, for the versions the packages compare', async () => {
    const shim = (await import(LAMBDA_BUNDLING.alias.semver)) as { default: { gte: typeof semver.gte } };
    const pairs: Array<[string, string]> = [
      [process.versions.node, '8.0.0'],
      ['22.11.0', '8.0.0'],
      ['2.7.15', '2.7.15'],
      ['2.7.14', '2.7.15'],
      ['3.0.0-beta.1', '3.0.0'],
    ];
    for (const [a, b] of pairs) expect(shim.default.gte(a, b), `${a} >= ${b}`).toBe(semver.gte(a, b));
  });
});
