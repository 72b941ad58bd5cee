// `npm run bench:synth`: runs `cdk synth` exactly as `npm run synth` does (the CDK CLI, cdk.json's app,
// real esbuild bundling, cdk-nag), on configurations of 1, 10 and 100 jobs generated in a temporary
// directory from the example job (rotation included) and passed with -c syncwarden:configFile=. For each
// case it reads the cloud assembly and prints resources per job, the largest stack's resource count and
// template bytes beside CloudFormation's limits, the number of stacks (nested ones included) and the synth
// time, each beside the figure of the single-stack design (commit 2ccf1e2, BEFORE below).
// Usage: npm run bench:synth [-- --repo <checkout>] (another checkout: how BEFORE was measured).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLOUDFORMATION_LIMITS } from '../../infra/aws/deploy-limits.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';

const JOB_COUNTS = [1, 10, 100] as const;

interface SynthFigures {
  /** Every template's resources together. */
  readonly totalResources: number;
  /** What each job beyond the first adds; undefined for 1 job. */
  readonly resourcesPerJob?: number;
  readonly largestStackResources: number;
  readonly largestTemplateBytes: number;
  readonly stacks: number;
  readonly synthSeconds: number;
}

/**
 * The single-stack design, measured with this script at a copy of commit 2ccf1e2 (`--repo <copy>`) on the
 * same configurations and the same shared 2-core machine, a minute after this design's run (synth times vary
 * with the machine's load). At 100 jobs CDK stops with TooManyResourcesInStack; by its 37 resources per job,
 * that design held 12 jobs (62 + 37 × 11 = 469 resources).
 */
const BEFORE: Record<(typeof JOB_COUNTS)[number], SynthFigures | string> = {
  1: {
    totalResources: 62,
    largestStackResources: 62,
    largestTemplateBytes: 84_359,
    stacks: 1,
    synthSeconds: 9.2,
  },
  10: {
    totalResources: 395,
    resourcesPerJob: 37,
    largestStackResources: 395,
    largestTemplateBytes: 568_485,
    stacks: 1,
    synthSeconds: 11.8,
  },
  100: 'fails after 14.7 s: TooManyResourcesInStack: 3725 resources, over the maximum of 500',
};

/** n copies of the example job, named job-001..., each with its own created and rotated secret. */
function configWithJobs(n: number): unknown {
  const example = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'infra/config/example.json'), 'utf8')) as {
    jobs: Record<string, unknown>[];
  } & Record<string, unknown>;
  const [job] = example.jobs;
  const jobs = Array.from({ length: n }, (_, index) => ({
    ...job,
    name: `job-${String(index + 1).padStart(3, '0')}`,
  }));
  return { ...example, $comment: undefined, jobs };
}

interface Assembly {
  /** Every template the deploy uploads (top-level stacks and nested ones), with its parsed body. */
  readonly templates: { file: string; bytes: number; resources: number }[];
}

function readAssembly(outDir: string): Assembly {
  const templates = readdirSync(outDir)
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => {
      const path = join(outDir, file);
      const body = JSON.parse(readFileSync(path, 'utf8')) as { Resources?: Record<string, unknown> };
      return { file, bytes: statSync(path).size, resources: Object.keys(body.Resources ?? {}).length };
    });
  return { templates };
}

/** Total resources of the 1-job synth, per checkout: the base that resources per added job grow from. */
const synthesizedOne = new Map<string, number>();

/** `cdk synth` of n jobs; the figures, or the first line of CDK's error when it fails. */
function synthesize(repo: string, workDir: string, n: number): SynthFigures | string {
  const configFile = join(workDir, `jobs-${n}.json`);
  const outDir = join(workDir, `cdk.out-${n}`);
  writeFileSync(configFile, JSON.stringify(configWithJobs(n), undefined, 2));
  const started = process.hrtime.bigint();
  const result = spawnSync(
    join(repo, 'node_modules/.bin/cdk'),
    ['synth', '--quiet', '-c', `syncwarden:configFile=${configFile}`, '-o', outDir],
    { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const synthSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    const output = `${result.stderr}\n${result.stdout}`;
    const line =
      output.split('\n').find((text) => /TooManyResourcesInStack|limit|exceed/i.test(text)) ??
      output.split('\n').find((text) => text.trim() !== '') ??
      `exit ${result.status}`;
    return `fails after ${synthSeconds.toFixed(1)} s: ${line.trim().slice(0, 300)}`;
  }
  const { templates } = readAssembly(outDir);
  const totalResources = templates.reduce((sum, template) => sum + template.resources, 0);
  const single = n === 1 ? undefined : synthesizedOne.get(repo);
  if (n === 1) synthesizedOne.set(repo, totalResources);
  return {
    totalResources,
    // The growth from 1 job, so the shared resources (tables, topic, monitor) do not count.
    ...(single === undefined ? {} : { resourcesPerJob: (totalResources - single) / (n - 1) }),
    largestStackResources: Math.max(...templates.map((template) => template.resources)),
    largestTemplateBytes: Math.max(...templates.map((template) => template.bytes)),
    stacks: templates.length,
    synthSeconds,
  };
}

const kilobytes = (bytes: number) => `${Math.round(bytes / 1000).toLocaleString('en-US')} kB`;

function describeFigures(figures: SynthFigures | string): string[] {
  if (typeof figures === 'string') return [figures];
  const { maxResources, maxTemplateBytes } = CLOUDFORMATION_LIMITS;
  return [
    `resources: ${figures.totalResources} in all, ${figures.resourcesPerJob === undefined ? 'the first job with the shared ones' : `${figures.resourcesPerJob.toFixed(1)} per job added`}`,
    `largest stack: ${figures.largestStackResources} resources (limit ${maxResources}), template ${kilobytes(figures.largestTemplateBytes)} (limit ${kilobytes(maxTemplateBytes)})`,
    `stacks: ${figures.stacks}`,
    `synth time: ${figures.synthSeconds.toFixed(1)} s`,
  ];
}

function main(): void {
  const repoFlag = process.argv.indexOf('--repo');
  const repo = repoFlag >= 0 ? resolve(process.argv[repoFlag + 1] ?? '.') : REPOSITORY_ROOT;
  const workDir = mkdtempSync(join(tmpdir(), 'syncwarden-synth-bench-'));
  try {
    console.log(`bench:synth: cdk synth --quiet of generated configurations (${repo})`);
    for (const n of JOB_COUNTS) {
      const now = describeFigures(synthesize(repo, workDir, n));
      const before = describeFigures(BEFORE[n]);
      console.log(`\n${n} job${n === 1 ? '' : 's'}:`);
      for (const [index, line] of now.entries()) {
        console.log(`  ${line}${before[index] ? `   [single stack, 2ccf1e2: ${before[index]}]` : ''}`);
      }
      for (const extra of before.slice(now.length)) console.log(`  [single stack, 2ccf1e2: ${extra}]`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main();
