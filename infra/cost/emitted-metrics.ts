// The custom metrics the Lambdas emit, read off their source: for each Lambda (functions/<name>/handler.ts),
// the metric calls in the files its handler imports at run time, each with the dimension names it carries
// (Powertools adds `service` and the handler's default dimensions to every metric, a single metric adds its own
// `addDimension`s, `ColdStart` adds `function_name`). Then, for a deployment, every series that can occur: one
// per dimension value combination, a `Cause` once per cause the diagnosis can name. A call this scan cannot
// read fails it: a new form must be taught here, or the bench would price a metric it never saw.
// An upper bound: a file's calls count for every Lambda that imports the file, whether or not it calls them
// (today one series: the rotation function imports key-expiry.ts for daysToExpiry, never publishing
// AppKeyDaysToExpiry). Its AuthFailure is real: the rotation's ThingWorx client reports denials, by Cause only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/cause-guide.js';
import { PROBLEM_KINDS } from '../../functions/job-health/problems.js';
import { JobHealthMetric } from '../../functions/job-health/publish.js';
import { LockMetric } from '../../functions/lock/observability.js';
import { AuditMetric } from '../../functions/reconcile/scheduled-audit.js';
import { METRICS_NAMESPACE } from '../../functions/shared/powertools.js';
import { SyncMetric } from '../../functions/sync/sync-job.js';
import { SERVICE_NAME } from '../aws/metrics.js';
import { REPOSITORY_ROOT } from '../aws/service-function.js';
import { jobsByGroup } from '../config/job-groups.js';
import type { SyncWardenConfig } from '../config/types.js';

/** A metric name with the dimension names it is published under, by one Lambda. */
export interface MetricKind {
  readonly lambda: string;
  readonly name: string;
  readonly dimensions: readonly string[];
  /** Published in its own EMF line (Powertools `singleMetric()`), not in the invocation's shared one. */
  readonly single: boolean;
  readonly file: string;
}

/** One billable custom metric: namespace, name and a value for each dimension. */
export interface MetricSeries {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

const UNIT = `'(?:Count|Milliseconds|Seconds|None|Bytes|Percent)'`;
const CONSTANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  SyncMetric,
  LockMetric,
  JobHealthMetric,
  AuditMetric,
};

/** Every metric kind of every Lambda under functions/. */
export function emittedMetricKinds(root: string = REPOSITORY_ROOT): MetricKind[] {
  const functionsDir = join(root, 'functions');
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsDir, entry.name, 'handler.ts')))
    .flatMap((entry) => lambdaMetricKinds(entry.name, join(functionsDir, entry.name, 'handler.ts'), root));
}

function lambdaMetricKinds(lambda: string, handler: string, root: string): MetricKind[] {
  const handlerSource = readFileSync(handler, 'utf8');
  const defaults = ['service', ...defaultDimensionNames(handlerSource)];
  const kinds: MetricKind[] = [];
  if (handlerSource.includes('captureColdStartMetric: true')) {
    const file = relative(root, handler);
    kinds.push({ lambda, name: 'ColdStart', dimensions: [...defaults, 'function_name'], single: true, file });
  }
  for (const file of runtimeImports(handler)) {
    const source = readFileSync(file, 'utf8');
    // EMF only: a PutMetricData call would be priced per request, which the bench does not count.
    if (/PutMetricData/.test(source))
      throw new Error(`${relative(root, file)}: PutMetricData; teach the bench its requests`);
    for (const call of metricCalls(source, relative(root, file))) {
      kinds.push({ lambda, ...call, dimensions: [...defaults, ...call.extraDimensions] });
    }
  }
  return kinds;
}

/** `metrics.setDefaultDimensions({ Job: config.job })` gives ['Job']. */
function defaultDimensionNames(source: string): string[] {
  return [...source.matchAll(/setDefaultDimensions\(\{([^}]*)\}/g)].flatMap((match) =>
    [...(match[1] as string).matchAll(/(\w+)\s*:/g)].map((key) => key[1] as string),
  );
}

/** The handler and every file under functions/ it imports at run time (type-only imports left out). */
function runtimeImports(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)) {
      visit(resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return [...seen];
}

interface MetricCall {
  readonly name: string;
  readonly extraDimensions: readonly string[];
  readonly single: boolean;
  readonly file: string;
}

/**
 * The forms syncwarden publishes in: `receiver.addMetric(NAME, unit, …)` (a single metric if the receiver was
 * bound to `….singleMetric()`, its dimensions the receiver's `addDimension`s), `dimensioned(sink, 'Dim', value,
 * NAME, unit, …)`, and `publish(NAME, unit, …)` where `publish` is a closure over `dimensioned`.
 */
function metricCalls(source: string, file: string): MetricCall[] {
  const calls: MetricCall[] = [];
  const singles = new Set([...source.matchAll(/const (\w+) = [\w.]+\.singleMetric\(\)/g)].map((m) => m[1]));
  for (const match of source.matchAll(new RegExp(`([\\w.]+)\\.addMetric\\(\\s*([^,]+?),\\s*${UNIT}`, 'g'))) {
    const [, receiver = '', argument = ''] = match;
    if (argument.trim() === 'name') continue; // dimensioned() passing its argument on
    const single = singles.has(receiver);
    const extraDimensions = single ? addedDimensions(source, receiver, file) : [];
    for (const name of metricNames(argument, file)) calls.push({ name, extraDimensions, single, file });
  }
  const dimensioned = new RegExp(
    `\\bdimensioned\\([^,]+,\\s*'(\\w+)',\\s*[^,]+,\\s*([^,]+?),\\s*${UNIT}`,
    'g',
  );
  for (const [, dimension = '', argument = ''] of source.matchAll(dimensioned)) {
    for (const name of metricNames(argument, file)) {
      calls.push({ name, extraDimensions: [dimension], single: true, file });
    }
  }
  const publishDimension = /const publish = [^;]*?dimensioned\([^,]+,\s*'(\w+)'/s.exec(source)?.[1];
  for (const [, argument = ''] of source.matchAll(new RegExp(`\\bpublish\\(\\s*([^,]+?),\\s*${UNIT}`, 'g'))) {
    if (!publishDimension) throw new Error(`${file}: publish() with no dimensioned() closure to read`);
    for (const name of metricNames(argument, file)) {
      calls.push({ name, extraDimensions: [publishDimension], single: true, file });
    }
  }
  return calls;
}

function addedDimensions(source: string, receiver: string, file: string): string[] {
  const names = [...source.matchAll(new RegExp(`\\b${receiver}\\.addDimension\\(\\s*([^,]+?),`, 'g'))].map(
    (match) => /^'(\w+)'$/.exec((match[1] as string).trim())?.[1],
  );
  if (names.some((name) => name === undefined)) {
    throw new Error(`${file}: ${receiver}.addDimension with a name that is not a literal`);
  }
  return names as string[];
}

/** A literal, `Const.key`, or `cond ? Const.a : Const.b`. */
function metricNames(argument: string, file: string): string[] {
  const trimmed = argument.trim();
  const literal = /^'(\w+)'$/.exec(trimmed)?.[1];
  if (literal) return [literal];
  const branches = /\?(.+):(.+)$/.exec(trimmed);
  const references = branches ? [branches[1] as string, branches[2] as string] : [trimmed];
  return references.map((reference) => {
    const [object = '', key = ''] = reference.trim().split('.');
    const value = CONSTANTS[object]?.[key];
    if (!value) throw new Error(`${file}: metric name ${trimmed} is not a literal or a known constant`);
    return value;
  });
}

/** One Lambda of a deployment: the job it serves, or the jobs and group it checks (job-health). */
interface LambdaInstance {
  readonly functionName: string;
  readonly job?: string;
  readonly jobs?: readonly string[];
  readonly group?: string;
}

/** How many instances of each Lambda a deployment has, and the job each serves. */
function lambdaInstances(lambda: string, config: SyncWardenConfig): LambdaInstance[] {
  switch (lambda) {
    case 'sync':
      return config.jobs.map((job) => ({
        job: job.name,
        functionName: `${config.stackName}-${job.name}-sync`,
      }));
    case 'rotate-key':
      return config.jobs
        .filter((job) => job.rotation)
        .map((job) => ({ job: job.name, functionName: `${config.stackName}-${job.name}-rotate-key` }));
    case 'clock-skew':
      return config.clockSkew ? [{ functionName: `${config.stackName}-clock-skew` }] : [];
    case 'job-health':
      return [...jobsByGroup(config.jobs)].map(([group, jobs]) => ({
        functionName: `${config.stackName}-job-health-${group}`,
        jobs: jobs.map((job) => job.name),
        group: String(group),
      }));
    case 'reconcile':
      // infra/aws/reconcile-job.ts: one per job with its scheduled audit enabled.
      return config.jobs
        .filter((job) => job.audit.enabled)
        .map((job) => ({ job: job.name, functionName: `${config.stackName}-${job.name}-reconcile` }));
    default:
      throw new Error(
        `functions/${lambda}/handler.ts: the bench does not know how many of this Lambda a deployment has`,
      );
  }
}

function dimensionValues(
  dimension: string,
  instance: LambdaInstance,
  config: SyncWardenConfig,
): readonly string[] {
  switch (dimension) {
    case 'service':
      return [SERVICE_NAME];
    case 'function_name':
      return [instance.functionName];
    case 'Job':
      if (instance.jobs) return instance.jobs;
      if (!instance.job)
        throw new Error(`dimension Job on a Lambda that serves no job (${instance.functionName})`);
      return [instance.job];
    case 'Problem':
      return PROBLEM_KINDS;
    case 'Group':
      if (!instance.group)
        throw new Error(`dimension Group on a Lambda of no group (${instance.functionName})`);
      return [instance.group];
    case 'Cause':
      return ACCESS_DENIED_CAUSES;
    case 'Target':
      return (config.clockSkew?.targets ?? []).map((target) => target.name);
    case 'Pair':
      return (config.clockSkew?.pairs ?? []).map(([a, b]) => `${a}|${b}`);
    default:
      throw new Error(`dimension ${dimension}: the bench does not know which values it takes`);
  }
}

/** Every series the deployment's Lambdas can publish, each once. */
export function emittedSeries(
  config: SyncWardenConfig,
  kinds: readonly MetricKind[] = emittedMetricKinds(),
): MetricSeries[] {
  const series = new Map<string, MetricSeries>();
  for (const kind of kinds) {
    for (const instance of lambdaInstances(kind.lambda, config)) {
      let combinations: Record<string, string>[] = [{}];
      for (const dimension of kind.dimensions) {
        const values = dimensionValues(dimension, instance, config);
        combinations = combinations.flatMap((partial) =>
          values.map((value) => ({ ...partial, [dimension]: value })),
        );
      }
      for (const dimensions of combinations) {
        const key = JSON.stringify([kind.name, Object.entries(dimensions).sort()]);
        series.set(key, { namespace: METRICS_NAMESPACE, name: kind.name, dimensions });
      }
    }
  }
  return [...series.values()];
}
