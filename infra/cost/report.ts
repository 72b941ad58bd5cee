// `npm run bench:cost`'s figures: CloudWatch a month for 1, 10 and 100 jobs (the example job with its
// rotation, repeated), what each additional job costs, and the README's table of them. 100 jobs are
// extrapolated from 1 and 10 while one stack cannot hold them (CloudFormation's 500 resources).
import { emittedMetricKinds, emittedSeries, type MetricKind } from './emitted-metrics.js';
import { type CostCase, costCase, extrapolateTemplateUsage } from './estimate.js';
import { configurationWithJobs, type SynthOutcome, synthesizeConfiguration } from './synth-jobs.js';
import { templateUsage } from './template-usage.js';

/** Issue 14's target for CloudWatch per additional job, in $ a month. */
export const PER_JOB_TARGET_USD = 1.5;
export const JOB_COUNTS = [1, 10, 100] as const;

export interface CostReport {
  readonly cases: readonly CostCase[];
  readonly perAdditionalJobUsd: number;
  /** Which two cases the per-job figure comes from. */
  readonly perJobBasis: string;
}

/** Synthesizes `jobs` jobs in `workDir`; the README test passes its own synth for a count it skips. */
export type Synthesizer = (jobs: number) => SynthOutcome;

export function synthesizerIn(workDir: string): Synthesizer {
  return (jobs) => synthesizeConfiguration(configurationWithJobs(jobs), workDir, `jobs-${jobs}`);
}

export function costReport(
  synthesize: Synthesizer,
  kinds: readonly MetricKind[] = emittedMetricKinds(),
): CostReport {
  const [fewest, middle, most] = JOB_COUNTS;
  const synthesizedCase = (jobs: number, outcome: SynthOutcome & { synthesized: true }): CostCase => {
    const usage = templateUsage(outcome.templates, emittedSeries(outcome.config, kinds));
    return costCase(jobs, 'synthesized', outcome.config, usage, kinds);
  };
  const cases = [fewest, middle].map((jobs) => {
    const outcome = synthesize(jobs);
    if (!outcome.synthesized) throw new Error(`${jobs} jobs do not synthesize: ${outcome.reason}`);
    return synthesizedCase(jobs, outcome);
  });
  const [one, ten] = cases as [CostCase, CostCase];
  const largest = synthesize(most);
  if (largest.synthesized) {
    cases.push(synthesizedCase(most, largest));
  } else {
    const usage = extrapolateTemplateUsage(one, ten, most);
    const source = `extrapolated from the per-job delta between ${fewest} and ${middle} jobs (synth refused: ${largest.reason})`;
    cases.push(costCase(most, source, largest.config, usage, kinds));
  }
  const hundred = cases[2] as CostCase;
  const [from, to, basis] = largest.synthesized
    ? [ten, hundred, `between ${middle} and ${most} jobs, divided by ${most - middle}`]
    : [
        one,
        ten,
        `between ${fewest} and ${middle} jobs, divided by ${middle - fewest}; ${most} jobs extrapolated`,
      ];
  return {
    cases,
    perAdditionalJobUsd: (to.usd.cloudWatch - from.usd.cloudWatch) / (to.jobs - from.jobs),
    perJobBasis: basis,
  };
}

export function perJobLine(report: CostReport): string {
  return `CloudWatch $ per additional job: ${report.perAdditionalJobUsd.toFixed(2)}`;
}

export function targetLine(report: CostReport): string {
  const met = report.perAdditionalJobUsd <= PER_JOB_TARGET_USD;
  return `target: <= ${PER_JOB_TARGET_USD.toFixed(2)}, ${met ? 'met' : 'missed'}`;
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** The README's table: one column per case, usage rows then $ a month by item. */
export function markdownTable(report: CostReport): string {
  const columns = report.cases.map(
    (c) => `${c.jobs} job${c.jobs === 1 ? '' : 's'}${c.source === 'synthesized' ? '' : ' (extrapolated)'}`,
  );
  const row = (label: string, cell: (c: CostCase) => string) =>
    `| ${label} | ${report.cases.map(cell).join(' | ')} |`;
  return [
    `| per month | ${columns.join(' | ')} |`,
    `| --- |${' --- |'.repeat(report.cases.length)}`,
    row('alarms (standard alarm metrics)', (c) => `${c.usage.alarms} (${c.usage.standardAlarmMetrics})`),
    row(
      'high-resolution / Metrics Insights / composite',
      (c) =>
        `${c.usage.highResolutionAlarmMetrics} / ${c.usage.metricsInsightsMetricsAnalyzed} / ${c.usage.compositeAlarms}`,
    ),
    row(
      'dashboards (metrics shown)',
      (c) => `${c.usage.dashboardMetrics.length} (${c.usage.dashboardMetrics.join(', ')})`,
    ),
    row('custom metrics', (c) => String(c.usage.customMetrics)),
    row('log ingestion (GB)', (c) => c.usage.logIngestedGb.toFixed(3)),
    row('alarms $', (c) => usd(c.usd.alarms)),
    row('dashboards $', (c) => usd(c.usd.dashboards)),
    row('custom metrics $', (c) => usd(c.usd.customMetrics)),
    row('log ingestion $', (c) => usd(c.usd.logIngestion)),
    row('log storage $', (c) => usd(c.usd.logStorage)),
    row('PutMetricData $ (EMF: none)', (c) => usd(c.usd.putMetricData)),
    row('**CloudWatch $**', (c) => `**${usd(c.usd.cloudWatch)}**`),
    row('X-Ray $ (beside CloudWatch)', (c) => usd(c.usd.xRay)),
  ].join('\n');
}

/** The heading of the README subsection the table lives under. */
export const README_HEADING = 'CloudWatch at 1, 10 and 100 jobs';

/** What the README shows of the report: its table, the per-job line and the target. */
export function readmeFigures(report: CostReport): string {
  return [
    markdownTable(report),
    '',
    '```',
    `${perJobLine(report)} (${report.perJobBasis})`,
    targetLine(report),
    '```',
  ].join('\n');
}
