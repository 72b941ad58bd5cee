// `npm run bench:bundle`: builds each Lambda with the stack's esbuild settings (infra/aws/bundling.ts) and
// prints its minified size and its cold-import time in a fresh Node process, next to a bare Powertools
// Logger handler as the baseline. The AWS SDK stays external, as on the runtime; the children resolve it
// from the repository's node_modules. The import target compares the bundle's own cost, so the SDK
// packages a bundle imports are loaded first (the runtime's copy, whatever we bundle); the time with the
// SDK load included is printed beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { esbuildBuildOptions } from '../../infra/aws/bundling.js';
import { CLOCK_SKEW_ENTRY, clockSkewEnvironment } from '../../infra/aws/clock-skew-monitor.js';
import { SERVICE_NAME } from '../../infra/aws/metrics.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import { SYNC_ENTRY, syncEnvironment } from '../../infra/aws/sync-job.js';
import { parseConfig } from '../../infra/config/schema.js';

const SIZE_TARGET_KB = 250;
const IMPORT_RATIO_TARGET = 1.5;
const IMPORT_RUNS = 9;
/** Git-ignored, and inside the repository so the bundles resolve the external AWS SDK. */
const OUT_DIR = join(REPOSITORY_ROOT, '.syncwarden', 'bundle-bench');

const BASELINE_SOURCE = `
import { Logger } from '@aws-lambda-powertools/logger';
const logger = new Logger({ serviceName: '${SERVICE_NAME}' });
export const handler = async (event) => { logger.info('event received', { event }); return {}; };
`;

/** What every handler of ours imports before its own code: the floor a handler bundle cannot go below. */
const POWERTOOLS_FLOOR_SOURCE = `
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import middy from '@middy/core';
const logger = new Logger({ serviceName: '${SERVICE_NAME}' });
const metrics = new Metrics({ namespace: 'SyncWarden', serviceName: '${SERVICE_NAME}' });
const tracer = new Tracer({ serviceName: '${SERVICE_NAME}' });
export const handler = middy(async () => { logger.info('run'); metrics.addMetric('Runs', 'Count', 1); return tracer.isTracingEnabled(); });
`;

interface Subject {
  readonly name: string;
  /** A handler module of the repository, or inline source. */
  readonly entry?: string;
  readonly source?: string;
  readonly env: Record<string, string>;
}

const example = parseConfig(
  JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'infra/config/example.json'), 'utf8')),
  'infra/config/example.json',
);
const [exampleJob] = example.jobs;
if (!exampleJob || !example.clockSkew) throw new Error('the example configuration has a job and a monitor');
const commonEnv = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const subjects: Subject[] = [
  { name: 'baseline (bare Logger handler)', source: BASELINE_SOURCE, env: commonEnv },
  { name: 'reference: Logger+Metrics+Tracer+middy', source: POWERTOOLS_FLOOR_SOURCE, env: commonEnv },
  {
    name: 'sync',
    entry: SYNC_ENTRY,
    env: {
      ...commonEnv,
      ...syncEnvironment(exampleJob, {
        controlTable: 'control',
        recordsTable: 'records',
        secretId: 'app-key',
      }),
    },
  },
  ...(existsSync(join(REPOSITORY_ROOT, CLOCK_SKEW_ENTRY))
    ? [
        {
          name: 'clock-skew',
          entry: CLOCK_SKEW_ENTRY,
          env: { ...commonEnv, ...clockSkewEnvironment(example.clockSkew, 'control') },
        },
      ]
    : []),
];

async function bundle(
  subject: Subject,
  index: number,
): Promise<{ file: string; bytes: number; metafile: Metafile }> {
  const file = join(OUT_DIR, `${index}`, 'index.mjs');
  const options = esbuildBuildOptions(subject.entry ? join(REPOSITORY_ROOT, subject.entry) : '', file);
  const result = await build({
    ...options,
    ...(subject.entry
      ? {}
      : {
          entryPoints: undefined,
          stdin: { contents: subject.source ?? '', resolveDir: REPOSITORY_ROOT, loader: 'js' },
        }),
    metafile: true,
  });
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}

/**
 * Milliseconds to import the bundle in a fresh process, with the source-map flag the stack sets; the
 * SDK packages in `preload` are imported before the clock starts.
 */
function coldImportMs(file: string, env: Record<string, string>, preload: readonly string[]): number {
  const preloads = preload.map((name) => `await import(${JSON.stringify(name)});`).join('');
  const script = `${preloads}const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const child = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
  return Number(child.stdout);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** The external AWS SDK packages a bundle imports. */
function externalSdkImports(metafile: Metafile): string[] {
  const imports = Object.values(metafile.outputs).flatMap((output) => output.imports);
  return [
    ...new Set(imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
  ].sort();
}

function largestPackages(metafile: Metafile, count: number): string {
  const byPackage = new Map<string, number>();
  const inputs = Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs));
  for (const [path, input] of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? path.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`)
    .join(', ');
}

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const built = await Promise.all(subjects.map((subject, index) => bundle(subject, index)));

// Round-robin, so load from other processes on a shared machine spreads over every subject alike.
const sdkImports = built.map((b) => externalSdkImports(b.metafile));
const ownSamples = subjects.map(() => [] as number[]);
const withSdkSamples = subjects.map(() => [] as number[]);
for (let run = 0; run < IMPORT_RUNS; run++) {
  subjects.forEach((subject, index) => {
    const { file } = built[index] as (typeof built)[number];
    ownSamples[index]?.push(coldImportMs(file, subject.env, sdkImports[index] ?? []));
    withSdkSamples[index]?.push(coldImportMs(file, subject.env, []));
  });
}
const medians = ownSamples.map(median);
const withSdkMedians = withSdkSamples.map(median);
const baselineMs = medians[0] as number;

const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
const rows = subjects.map((subject, index) => {
  const { bytes } = built[index] as (typeof built)[number];
  const kb = bytes / 1024;
  const ratio = (medians[index] as number) / baselineMs;
  const isBaseline = index === 0;
  return [
    subject.name,
    kb.toFixed(1),
    isBaseline ? '-' : `<= ${SIZE_TARGET_KB} ${verdict(kb <= SIZE_TARGET_KB)}`,
    (medians[index] as number).toFixed(1),
    ratio.toFixed(2),
    isBaseline ? '-' : `<= ${IMPORT_RATIO_TARGET} ${verdict(ratio <= IMPORT_RATIO_TARGET)}`,
    (withSdkMedians[index] as number).toFixed(1),
  ];
});
const header = [
  'bundle',
  'size KB (min)',
  'size target',
  `import ms (median of ${IMPORT_RUNS})`,
  'x baseline',
  'import target',
  'import ms incl. SDK load',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(
  `Lambda bundles (esbuild settings of infra/aws/bundling.ts; AWS SDK external; node ${process.version})`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
subjects.forEach((subject, index) => {
  if (index === 0) return;
  const { metafile } = built[index] as (typeof built)[number];
  console.log(
    `  ${subject.name}: largest inputs ${largestPackages(metafile, 4)}; SDK (external) ${sdkImports[index]?.join(', ')}`,
  );
});
