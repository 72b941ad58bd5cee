// A month of CloudWatch for one deployment: the usage (alarms and dashboards from its templates, custom
// metrics and log bytes from the code, invocations from its schedules) and its price, item by item. The
// usage of a deployment that cannot be synthesized is extrapolated from two that can.
import { PROBLEM_KINDS } from '../../functions/job-health/problems.js';
import { JOB_HEALTH_INTERVAL_MINUTES } from '../aws/job-health-check.js';
import { jobsByGroup } from '../config/job-groups.js';
import type { SyncWardenConfig } from '../config/types.js';
import { emittedSeries, type MetricKind } from './emitted-metrics.js';
import {
  APP_LOG_BYTES_PER_INVOCATION,
  emfBytesPerInvocation,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
} from './log-volume.js';
import { alarmsUsd, apiRequestsUsd, customMetricsUsd, dashboardsUsd, logsUsd, xRayUsd } from './pricing.js';
import type { TemplateUsage } from './template-usage.js';

const DAYS_PER_MONTH = 30;
const MINUTES_PER_MONTH = DAYS_PER_MONTH * 24 * 60;
/** The rotation function's daily admin-key check (infra/aws/admin-key-check.ts), and four steps per rotation. */
const ADMIN_KEY_CHECKS_PER_MONTH = DAYS_PER_MONTH;
const ROTATION_STEPS = 4;
const BYTES_PER_GB = 1e9;

export interface CostUsage extends TemplateUsage {
  readonly customMetrics: number;
  readonly invocations: number;
  readonly logIngestedGb: number;
  readonly logStoredGb: number;
  /** EMF goes through the logs: no PutMetricData calls (emitted-metrics.ts fails on a PutMetricData). */
  readonly putMetricDataRequests: number;
}

export interface CostUsd {
  readonly alarms: number;
  readonly dashboards: number;
  readonly customMetrics: number;
  readonly logIngestion: number;
  readonly logStorage: number;
  readonly putMetricData: number;
  /** The sum of the above: what the per-job target is about. */
  readonly cloudWatch: number;
  /** Billed by X-Ray, not CloudWatch: shown beside it. */
  readonly xRay: number;
}

export interface CostCase {
  readonly jobs: number;
  /** How the template usage was found: synthesized, or extrapolated (and from what). */
  readonly source: string;
  readonly usage: CostUsage;
  readonly usd: CostUsd;
}

/** Invocations a month of each Lambda kind, and the sample dimension values its EMF lines carry. */
interface LambdaLoad {
  readonly lambda: string;
  readonly invocations: number;
  readonly samples: Record<string, string[]>;
}

function lambdaLoads(config: SyncWardenConfig): LambdaLoad[] {
  const loads: LambdaLoad[] = config.jobs.map((job) => ({
    lambda: 'sync',
    invocations: MINUTES_PER_MONTH / (job.schedule.intervalMinutes ?? 240),
    samples: { Job: [job.name], function_name: [`${config.stackName}-${job.name}-sync`] },
  }));
  for (const job of config.jobs) {
    if (!job.rotation) continue;
    loads.push({
      lambda: 'rotate-key',
      invocations: ADMIN_KEY_CHECKS_PER_MONTH + (ROTATION_STEPS * DAYS_PER_MONTH) / job.rotation.everyDays,
      samples: { Job: [job.name], function_name: [`${config.stackName}-${job.name}-rotate-key`] },
    });
  }
  for (const [group, jobs] of jobsByGroup(config.jobs)) {
    loads.push({
      lambda: 'job-health',
      invocations: MINUTES_PER_MONTH / JOB_HEALTH_INTERVAL_MINUTES,
      samples: {
        Job: jobs.map((job) => job.name),
        Problem: [...PROBLEM_KINDS],
        Group: [String(group)],
        function_name: [`${config.stackName}-job-health-${group}`],
      },
    });
  }
  if (config.clockSkew) {
    const { schedule, targets, pairs } = config.clockSkew;
    loads.push({
      lambda: 'clock-skew',
      invocations: MINUTES_PER_MONTH / (schedule.intervalMinutes ?? 5),
      samples: {
        function_name: [`${config.stackName}-clock-skew`],
        Target: targets.map((target) => target.name),
        Pair: pairs.map(([a, b]) => `${a}|${b}`),
      },
    });
  }
  return loads;
}

export function costCase(
  jobs: number,
  source: string,
  config: SyncWardenConfig,
  template: TemplateUsage,
  kinds: readonly MetricKind[],
): CostCase {
  let invocations = 0;
  let bytes = 0;
  for (const load of lambdaLoads(config)) {
    const perInvocation =
      emfBytesPerInvocation(load.lambda, kinds, load.samples) +
      PLATFORM_LOG_BYTES_PER_INVOCATION +
      APP_LOG_BYTES_PER_INVOCATION;
    invocations += load.invocations;
    bytes += load.invocations * perInvocation;
  }
  const logIngestedGb = bytes / BYTES_PER_GB;
  const usage: CostUsage = {
    ...template,
    customMetrics: emittedSeries(config, kinds).length,
    invocations,
    logIngestedGb,
    logStoredGb: (logIngestedGb * config.logRetentionDays) / DAYS_PER_MONTH,
    putMetricDataRequests: 0,
  };
  return { jobs, source, usage, usd: priced(usage) };
}

export function priced(usage: CostUsage): CostUsd {
  const logs = logsUsd({ ingestedGb: usage.logIngestedGb, storedGb: usage.logStoredGb });
  const parts = {
    alarms: alarmsUsd(usage).totalUsd,
    dashboards: dashboardsUsd(usage.dashboardMetrics),
    customMetrics: customMetricsUsd(usage.customMetrics),
    logIngestion: logs.ingestionUsd,
    logStorage: logs.storageUsd,
    putMetricData: apiRequestsUsd(usage.putMetricDataRequests),
  };
  const cloudWatch = Object.values(parts).reduce((sum, usd) => sum + usd, 0);
  return { ...parts, cloudWatch, xRay: xRayUsd(usage.invocations) };
}

/**
 * The template usage at `jobs`, on the line through two synthesized deployments: every count grows by the
 * per-job delta measured between them. Dashboards keep their number; the metrics each shows grow.
 */
export function extrapolateTemplateUsage(
  low: { jobs: number; usage: TemplateUsage },
  high: { jobs: number; usage: TemplateUsage },
  jobs: number,
): TemplateUsage {
  const scale = (jobs - high.jobs) / (high.jobs - low.jobs);
  const line = (a: number, b: number) => Math.round(b + (b - a) * scale);
  if (low.usage.dashboardMetrics.length !== high.usage.dashboardMetrics.length) {
    throw new Error('the number of dashboards changes with the jobs: the bench cannot extrapolate it');
  }
  return {
    alarms: line(low.usage.alarms, high.usage.alarms),
    standardAlarmMetrics: line(low.usage.standardAlarmMetrics, high.usage.standardAlarmMetrics),
    highResolutionAlarmMetrics: line(
      low.usage.highResolutionAlarmMetrics,
      high.usage.highResolutionAlarmMetrics,
    ),
    metricsInsightsMetricsAnalyzed: line(
      low.usage.metricsInsightsMetricsAnalyzed,
      high.usage.metricsInsightsMetricsAnalyzed,
    ),
    compositeAlarms: line(low.usage.compositeAlarms, high.usage.compositeAlarms),
    dashboardMetrics: high.usage.dashboardMetrics.map((metrics, index) =>
      line(low.usage.dashboardMetrics[index] ?? 0, metrics),
    ),
    resources: line(low.usage.resources, high.usage.resources),
    largestStackResources: line(low.usage.largestStackResources, high.usage.largestStackResources),
  };
}
