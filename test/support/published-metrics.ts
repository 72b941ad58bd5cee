// The metric names the Lambdas publish, read off their source: every metric call must take one of the
// forms below, and one this scan does not know fails it, so a new metric can never slip past the README.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { JobHealthMetric } from '../../functions/job-health/publish.js';
import { LockMetric } from '../../functions/lock/observability.js';
import { AuditMetric } from '../../functions/reconcile/scheduled-audit.js';
import { SyncMetric } from '../../functions/sync/sync-job.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';

const UNIT = `'(?:Count|Milliseconds|Seconds|None|Bytes|Percent)'`;
/** A metric named by a literal or a constant: `addMetric('KeyRotated', …)`, `publish('ClockOffsetMs', …)`. */
const NAMED_CALL = new RegExp(`\\b(?:addMetric|publish)\\(\\s*([^,]+?),\\s*${UNIT}`, 'g');
/** `dimensioned(metrics, 'Pair', value, 'PairwiseSkewMs', 'Milliseconds', …)` */
const DIMENSIONED_CALL = new RegExp(
  `\\bdimensioned\\([^,]+,\\s*'\\w+',\\s*[^,]+,\\s*([^,]+?),\\s*${UNIT}`,
  'g',
);
/** The two places that pass a name on rather than name a metric. */
const PASS_THROUGH = new Set(['name']);

const CONSTANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  SyncMetric,
  LockMetric,
  JobHealthMetric,
  AuditMetric,
};

export interface PublishedMetrics {
  readonly names: ReadonlySet<string>;
  /** `file:line: call` for every metric call whose name this scan cannot resolve. */
  readonly unresolved: readonly string[];
}

export function publishedMetrics(): PublishedMetrics {
  const names = new Set<string>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(join(REPOSITORY_ROOT, 'functions'))) {
    const source = readFileSync(file, 'utf8');
    if (source.includes('captureColdStartMetric: true')) names.add('ColdStart'); // Powertools' own
    for (const pattern of [NAMED_CALL, DIMENSIONED_CALL]) {
      for (const match of source.matchAll(pattern)) {
        const resolved = resolve((match[1] as string).trim());
        if (resolved === 'pass-through') continue;
        if (resolved.length === 0) {
          const line = source.slice(0, match.index).split('\n').length;
          unresolved.push(`${relative(REPOSITORY_ROOT, file)}:${line}: ${match[0]}`);
        }
        for (const name of resolved) names.add(name);
      }
    }
  }
  return { names, unresolved };
}

/** The names an argument can be: a literal, `Const.key`, or `cond ? Const.a : Const.b`. */
function resolve(argument: string): string[] | 'pass-through' {
  if (PASS_THROUGH.has(argument)) return 'pass-through';
  const literal = /^'(\w+)'$/.exec(argument);
  if (literal) return [literal[1] as string];
  const branches = /\?(.+):(.+)$/.exec(argument);
  if (branches) return [branches[1], branches[2]].flatMap((branch) => constant((branch as string).trim()));
  return constant(argument);
}

function constant(reference: string): string[] {
  const [object = '', key = ''] = reference.split('.');
  const value = CONSTANTS[object]?.[key];
  return value ? [value] : [];
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
