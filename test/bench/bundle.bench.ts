// `npm run bench:bundle`: builds each Lambda with the stack's esbuild settings (infra/aws/bundling.ts) and
// prints its minified size and its cold-import time in a fresh Node process, next to a bare Powertools
// Logger handler as the baseline and the reference stack (Logger + Metrics + Tracer + middy). The import
// target is the team's decision (the Powertools Tracer stays): each Lambda imports in at most 1.1x the
// reference stack's time, measured in the same run. The AWS SDK stays external, as on the runtime; the children resolve it
// from the repository's node_modules. The import target compares the bundle's own cost, so what the Lambda
// runtime has loaded before it imports a handler is loaded first: the SDK packages a bundle imports (the
// runtime's copy) and `node:http` (the runtime's own Runtime API client imports it). Printed beside it: the
// time with the SDK load included, and Node's start-up plus the import (what a Lambda INIT adds up to).
// Every row is built with the stack's esbuild settings, the reference's and the baseline's too, so the semver
// shim (infra/aws/bundle-shims/) lightens them all alike and the import target still prices our own code.
// A what-if row prices the SDK clients a handler builds at INIT (the reference builds none), and two price
// the Powertools Tracer: the reference stack and the sync Lambda with it replaced by
// a no-op, built only here (the stack always bundles the real Tracer).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { esbuildBuildOptions } from '../../infra/aws/bundling.js';
import { CLOCK_SKEW_ENTRY, clockSkewEnvironment } from '../../infra/aws/clock-skew-monitor.js';
import { JOB_HEALTH_ENTRY, jobHealthEnvironment } from '../../infra/aws/job-health-check.js';
import { ROTATE_KEY_ENTRY, rotationEnvironment } from '../../infra/aws/key-rotation.js';
import { SERVICE_NAME } from '../../infra/aws/metrics.js';
import { auditEnvironment, RECONCILE_ENTRY } from '../../infra/aws/reconcile-job.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import { SYNC_ENTRY, syncEnvironment } from '../../infra/aws/sync-job.js';
import { parseConfig } from '../../infra/config/schema.js';

const SIZE_TARGET_KB = 250;
/** Each Lambda's import against the reference stack's, in the same run. */
const IMPORT_RATIO_TARGET = 1.1;
/** The subject the import target is judged against: the reference stack (subjects[1]). */
const REFERENCE_INDEX = 1;
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

/**
 * What-if only: the reference stack plus the SDK clients the sync Lambda builds at INIT (DynamoDB, through
 * the document client, and Secrets Manager, each captured by the Tracer), with those SDK packages preloaded
 * as the sync's are. The reference preloads no SDK package, so it loads the Node built-ins the SDK would
 * have loaded itself: next to this row, the sync's import is its own code's cost alone.
 */
const REFERENCE_WITH_CLIENTS_SOURCE = `${POWERTOOLS_FLOOR_SOURCE}
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
export const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
export const secretsManager = tracer.captureAWSv3Client(new SecretsManagerClient({}));
`;

/** Modules the Lambda Node.js runtime has imported before the handler (its RAPID client uses node:http). */
const RUNTIME_PRELOADED = ['node:http'];

/** What-if only: the Powertools Tracer and its middy middleware as no-ops, to price the real one. */
const noOpTracer: Plugin = {
  name: 'no-op-tracer',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/tracer(\/middleware)?$/ }, (args) => ({
      path: args.path,
      namespace: 'no-op-tracer',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'no-op-tracer' }, () => ({
      contents: `export class Tracer { captureAWSv3Client(client) { return client; } isTracingEnabled() { return false; } }
export const captureLambdaHandler = () => ({ before() {} });`,
      loader: 'js',
    }));
  },
};

interface Subject {
  readonly name: string;
  /** A handler module of the repository, or inline source. */
  readonly entry?: string;
  readonly source?: string;
  readonly env: Record<string, string>;
  /** A what-if build, not a bundle the stack deploys: no target applies. */
  readonly whatIf?: boolean;
  readonly plugins?: Plugin[];
}

const example = parseConfig(
  JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'infra/config/example.json'), 'utf8')),
  'infra/config/example.json',
);
const [exampleJob] = example.jobs;
if (!exampleJob?.rotation || !example.clockSkew)
  throw new Error('the example configuration has a job with key rotation and a monitor');
const commonEnv = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const syncEnv = {
  ...commonEnv,
  ...syncEnvironment(exampleJob, { controlTable: 'control', recordsTable: 'records', secretId: 'app-key' }),
};
const subjects: Subject[] = [
  { name: 'baseline (bare Logger handler)', source: BASELINE_SOURCE, env: commonEnv },
  { name: 'reference: Logger+Metrics+Tracer+middy', source: POWERTOOLS_FLOOR_SOURCE, env: commonEnv },
  { name: 'sync', entry: SYNC_ENTRY, env: syncEnv },
  {
    name: 'clock-skew',
    entry: CLOCK_SKEW_ENTRY,
    env: { ...commonEnv, ...clockSkewEnvironment(example.clockSkew, 'control') },
  },
  {
    name: 'rotate-key',
    entry: ROTATE_KEY_ENTRY,
    env: { ...commonEnv, ...rotationEnvironment(exampleJob, exampleJob.rotation) },
  },
  { name: 'reconcile', entry: RECONCILE_ENTRY, env: { ...syncEnv, ...auditEnvironment(exampleJob.audit) } },
  {
    name: 'job-health',
    entry: JOB_HEALTH_ENTRY,
    env: { ...commonEnv, ...jobHealthEnvironment('Jobs00', example.jobs, 'control') },
  },
  {
    name: 'what-if: reference, Tracer a no-op',
    source: POWERTOOLS_FLOOR_SOURCE,
    env: commonEnv,
    whatIf: true,
    plugins: [noOpTracer],
  },
  {
    name: 'what-if: reference + SDK clients',
    source: REFERENCE_WITH_CLIENTS_SOURCE,
    env: commonEnv,
    whatIf: true,
  },
  {
    name: 'what-if: sync, Tracer a no-op',
    entry: SYNC_ENTRY,
    env: syncEnv,
    whatIf: true,
    plugins: [noOpTracer],
  },
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
    plugins: subject.plugins ?? [],
    metafile: true,
  });
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}

interface ColdImport {
  /** Milliseconds to import the bundle, from after the preloads to the handler module evaluated. */
  readonly importMs: number;
  /** Milliseconds from the process's start to the first line of the script: Node's own start-up. */
  readonly startupMs: number;
}

/**
 * Imports the bundle in a fresh process, with the source-map flag the stack sets; the modules in
 * `preload` are imported before the clock starts.
 */
function coldImport(file: string, env: Record<string, string>, preload: readonly string[]): ColdImport {
  const preloads = preload.map((name) => `await import(${JSON.stringify(name)});`).join('');
  const script = `const s=performance.now();${preloads}const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(JSON.stringify({importMs:performance.now()-t,startupMs:s}));`;
  const child = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as ColdImport;
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
const ownSamples = subjects.map(() => [] as ColdImport[]);
const withSdkSamples = subjects.map(() => [] as ColdImport[]);
for (let run = 0; run < IMPORT_RUNS; run++) {
  subjects.forEach((subject, index) => {
    const { file } = built[index] as (typeof built)[number];
    ownSamples[index]?.push(
      coldImport(file, subject.env, [...RUNTIME_PRELOADED, ...(sdkImports[index] ?? [])]),
    );
    withSdkSamples[index]?.push(coldImport(file, subject.env, RUNTIME_PRELOADED));
  });
}
const importMs = ownSamples.map((samples) => median(samples.map((s) => s.importMs)));
const withSdkMs = withSdkSamples.map((samples) => median(samples.map((s) => s.importMs)));
/** Node's start-up and the bundle's own import, each sample summed before the median. */
const initMs = ownSamples.map((samples) => median(samples.map((s) => s.startupMs + s.importMs)));
const baselineImportMs = importMs[0] as number;
const referenceImportMs = importMs[REFERENCE_INDEX] as number;
const baselineInitMs = initMs[0] as number;

const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
const rows = subjects.map((subject, index) => {
  const { bytes } = built[index] as (typeof built)[number];
  const kb = bytes / 1024;
  const ratio = (importMs[index] as number) / baselineImportMs;
  const toReference = (importMs[index] as number) / referenceImportMs;
  const judged = index > 0 && !subject.whatIf;
  const importJudged = judged && index !== REFERENCE_INDEX;
  return [
    subject.name,
    kb.toFixed(1),
    judged ? `<= ${SIZE_TARGET_KB} ${verdict(kb <= SIZE_TARGET_KB)}` : '-',
    (importMs[index] as number).toFixed(1),
    ratio.toFixed(2),
    toReference.toFixed(2),
    importJudged ? `<= ${IMPORT_RATIO_TARGET} ${verdict(toReference <= IMPORT_RATIO_TARGET)}` : '-',
    (withSdkMs[index] as number).toFixed(1),
    (initMs[index] as number).toFixed(1),
    ((initMs[index] as number) / baselineInitMs).toFixed(2),
  ];
});
const header = [
  'bundle',
  'size KB (min)',
  'size target',
  `import ms (median of ${IMPORT_RUNS})`,
  'x baseline',
  'x reference',
  'import target (x reference)',
  'import ms incl. SDK load',
  'Node start + import ms',
  'x baseline',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(
  `Lambda bundles (esbuild settings of infra/aws/bundling.ts; AWS SDK external; node ${process.version}; preloaded before each import: ${RUNTIME_PRELOADED.join(', ')} and the bundle's SDK packages)`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
subjects.forEach((subject, index) => {
  if (index === 0) return;
  const { metafile } = built[index] as (typeof built)[number];
  console.log(
    `  ${subject.name}: largest inputs ${largestPackages(metafile, 4)}; SDK (external) ${sdkImports[index]?.join(', ') || 'none'}`,
  );
});
