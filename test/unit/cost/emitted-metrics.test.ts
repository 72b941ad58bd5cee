// bench:cost's reading of the metrics the code emits: the names agree with the scan that holds the README's
// metrics table, the dimensions are those Powertools puts on each call, and a deployment's series are
// every combination of dimension values that can occur.
import { describe, expect, it } from 'vitest';
import { ACCESS_DENIED_CAUSES } from '../../../functions/endpoint/cause-guide.js';
import { PROBLEM_KINDS } from '../../../functions/job-health/problems.js';
import { groupOf } from '../../../infra/config/job-groups.js';
import { parseConfig } from '../../../infra/config/schema.js';
import { emittedMetricKinds, emittedSeries, type MetricKind } from '../../../infra/cost/emitted-metrics.js';
import { emfBytesPerInvocation } from '../../../infra/cost/log-volume.js';
import { publishedMetrics } from '../../support/published-metrics.js';

const KINDS = emittedMetricKinds();
const kind = (lambda: string, name: string) => KINDS.find((k) => k.lambda === lambda && k.name === name);

describe('metric kinds read off the code', () => {
  it('names the same metrics as the README metrics-table scan', () => {
    expect(new Set(KINDS.map((k) => k.name))).toEqual(publishedMetrics().names);
  });

  it('gives each metric the dimensions Powertools publishes it under', () => {
    // the sync handler sets no default dimension (issue 14): service alone, plus a single metric's own Cause
    expect(kind('sync', 'AuthFailure')?.dimensions).toEqual(['service', 'Cause']);
    expect(kind('sync', 'RunFailed')?.dimensions).toEqual(['service']);
    // no ColdStart from the per-job functions: its function_name would be a series per job
    expect(kind('sync', 'ColdStart')).toBeUndefined();
    expect(kind('rotate-key', 'ColdStart')).toBeUndefined();
    expect(kind('clock-skew', 'ColdStart')?.dimensions).toEqual(['service', 'function_name']);
    // the rotation handler sets no default dimension: a metric that needs Job adds it itself
    expect(kind('rotate-key', 'KeyRotated')?.dimensions).toEqual(['service']);
    expect(kind('rotate-key', 'AdminKeyDaysToExpiry')?.dimensions).toEqual(['service', 'Job']);
    // the job-health check: one series per job, per problem kind, per group
    expect(kind('job-health', 'JobProblems')?.dimensions).toEqual(['service', 'Job']);
    expect(kind('job-health', 'ProblemJobs')?.dimensions).toEqual(['service', 'Problem']);
    expect(kind('job-health', 'JobsChecked')?.dimensions).toEqual(['service', 'Group']);
    expect(kind('clock-skew', 'ClockOffsetMs')?.dimensions).toEqual(['service', 'Target']);
    expect(kind('clock-skew', 'PairwiseSkewMs')?.dimensions).toEqual(['service', 'Pair']);
  });
});

describe('series of a deployment', () => {
  const kinds: MetricKind[] = [
    { lambda: 'sync', name: 'RunFailed', dimensions: ['service', 'Job'], single: false, file: 'x' },
    { lambda: 'sync', name: 'AuthFailure', dimensions: ['service', 'Job', 'Cause'], single: true, file: 'x' },
    { lambda: 'rotate-key', name: 'KeyRotated', dimensions: ['service', 'Job'], single: true, file: 'x' },
    { lambda: 'rotate-key', name: 'AuthFailure', dimensions: ['service', 'Cause'], single: true, file: 'x' },
    {
      lambda: 'clock-skew',
      name: 'ClockOffsetMs',
      dimensions: ['service', 'Target'],
      single: true,
      file: 'x',
    },
    {
      lambda: 'clock-skew',
      name: 'PairwiseSkewMs',
      dimensions: ['service', 'Pair'],
      single: true,
      file: 'x',
    },
  ];
  const job = (name: string, rotation: boolean) => ({
    name,
    endpoint: { baseUrl: 'https://thingworx.example.com', thing: 'S' },
    secret: `syncwarden/${name}`,
    ...(rotation ? { rotation: { everyDays: 30, keyUser: 'U', adminSecret: 'syncwarden/admin' } } : {}),
  });
  const config = parseConfig(
    {
      jobs: [job('a', true), job('b', false)],
      clockSkew: {
        targets: [
          { name: 't1', url: 'https://t1.example.com' },
          { name: 't2', url: 'https://t2.example.com' },
        ],
        pairs: [['t1', 't2']],
      },
    },
    'test',
  );

  it('counts one series per dimension value combination, a Cause once per cause the code names', () => {
    const causes = ACCESS_DENIED_CAUSES.length; // 10 today
    // sync, 2 jobs: RunFailed 2 + AuthFailure 2 × causes; rotation, job a only: KeyRotated 1, and its AuthFailure
    // has no Job, so causes series in all; clock skew: 2 targets + 1 pair
    const expected = 2 + 2 * causes + 1 + causes + 2 + 1;
    expect(emittedSeries(config, kinds)).toHaveLength(expected);
  });

  it("counts the job-health check's JobProblems once per job, ProblemJobs once per kind, JobsChecked once per group", () => {
    const health: MetricKind[] = [
      { lambda: 'job-health', name: 'JobProblems', dimensions: ['service', 'Job'], single: true, file: 'x' },
      {
        lambda: 'job-health',
        name: 'ProblemJobs',
        dimensions: ['service', 'Problem'],
        single: true,
        file: 'x',
      },
      {
        lambda: 'job-health',
        name: 'JobsChecked',
        dimensions: ['service', 'Group'],
        single: true,
        file: 'x',
      },
    ];
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => job(name, false));
    const five = parseConfig({ jobs }, 'test');
    const series = emittedSeries(five, health);
    const groups = new Set(jobs.map((j) => groupOf(j))).size;
    expect(series.filter((s) => s.name === 'JobProblems')).toHaveLength(5);
    expect(series.filter((s) => s.name === 'ProblemJobs')).toHaveLength(PROBLEM_KINDS.length);
    expect(series.filter((s) => s.name === 'JobsChecked')).toHaveLength(groups);
  });

  it('counts a series published by two instances of a Lambda once', () => {
    const twoRotations = parseConfig({ jobs: [job('a', true), job('b', true)] }, 'test');
    const rotationAuthFailures = emittedSeries(twoRotations, kinds).filter(
      (s) => s.name === 'AuthFailure' && !('Job' in s.dimensions),
    );
    expect(rotationAuthFailures).toHaveLength(ACCESS_DENIED_CAUSES.length);
  });
});

describe('EMF bytes', () => {
  const skewKinds = KINDS.filter((k) => k.lambda === 'clock-skew');
  const bytes = (targets: string[]) =>
    emfBytesPerInvocation('clock-skew', skewKinds, {
      function_name: ['SyncWarden-clock-skew'],
      Target: targets,
      Pair: [],
    });

  it('writes one more line per Target metric for each further target, as long as a line for the first', () => {
    const perTarget = bytes(['t1']) - bytes([]);
    expect(perTarget).toBeGreaterThan(6 * 100); // six metrics, each its own EMF line of over 100 bytes
    expect(bytes(['t1', 't2']) - bytes(['t1'])).toBe(perTarget);
  });
});
