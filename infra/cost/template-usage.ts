// What the synthesized CloudFormation templates cost in CloudWatch: their alarms (sorted into the price
// classes of prices.ts: standard or high resolution per metric read, Metrics Insights per metric analyzed,
// composite) and their dashboards with the metrics each shows. A Metrics Insights alarm's metrics analyzed
// are the emitted series its query selects (metrics-insights.ts).
import type { MetricSeries } from './emitted-metrics.js';
import { metricsAnalyzed } from './metrics-insights.js';
import type { AlarmUsage } from './pricing.js';

type Json = Record<string, unknown>;

/** A CloudFormation template as JSON: `{ Resources: { [logicalId]: { Type, Properties } } }`. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: Json }>>;
}

export interface TemplateUsage extends AlarmUsage {
  readonly alarms: number;
  /** The metrics each dashboard shows. */
  readonly dashboardMetrics: readonly number[];
  readonly resources: number;
  /** Resources of the largest stack: what CloudFormation's 500-resource limit applies to. */
  readonly largestStackResources: number;
}

/** The period under which an alarm is high resolution (10 s or 30 s periods). */
const HIGH_RESOLUTION_BELOW_S = 60;

export function templateUsage(
  templates: readonly CfnTemplate[],
  series: readonly MetricSeries[],
): TemplateUsage {
  const usage = {
    alarms: 0,
    standardAlarmMetrics: 0,
    highResolutionAlarmMetrics: 0,
    metricsInsightsMetricsAnalyzed: 0,
    compositeAlarms: 0,
    dashboardMetrics: [] as number[],
    resources: 0,
    largestStackResources: 0,
  };
  for (const template of templates) {
    const resources = Object.entries(template.Resources ?? {});
    usage.largestStackResources = Math.max(usage.largestStackResources, resources.length);
    for (const [logicalId, resource] of resources) {
      usage.resources += 1;
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::CloudWatch::Alarm') {
        usage.alarms += 1;
        const priced = alarmPriceClass(logicalId, properties, series);
        usage[priced.class] += priced.count;
      } else if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
        usage.compositeAlarms += 1;
      } else if (resource.Type === 'AWS::CloudWatch::Dashboard') {
        usage.dashboardMetrics.push(dashboardMetricCount(properties.DashboardBody));
      }
    }
  }
  return usage;
}

type PriceClass = 'standardAlarmMetrics' | 'highResolutionAlarmMetrics' | 'metricsInsightsMetricsAnalyzed';

function alarmPriceClass(
  logicalId: string,
  properties: Json,
  series: readonly MetricSeries[],
): { class: PriceClass; count: number } {
  const queries = properties.Metrics as Json[] | undefined;
  if (!queries) {
    return { class: resolutionClass([Number(properties.Period)]), count: 1 };
  }
  const expressions = queries
    .map((query) => query.Expression)
    .filter((e): e is string => typeof e === 'string');
  const insights = expressions.find((expression) => /^\s*SELECT\b/i.test(expression));
  if (insights) {
    return { class: 'metricsInsightsMetricsAnalyzed', count: metricsAnalyzed(insights, series, logicalId) };
  }
  if (expressions.some((expression) => /ANOMALY_DETECTION_BAND|SEARCH\(/i.test(expression))) {
    throw new Error(
      `alarm ${logicalId}: an anomaly-detection or SEARCH expression; teach the bench its price`,
    );
  }
  const stats = queries.map((query) => query.MetricStat as Json | undefined).filter((s): s is Json => !!s);
  const periods = [
    ...stats.map((stat) => Number(stat.Period)),
    ...queries.map((query) => Number(query.Period)).filter(Number.isFinite),
  ];
  return { class: resolutionClass(periods), count: stats.length };
}

function resolutionClass(periods: readonly number[]): PriceClass {
  return periods.some((period) => period < HIGH_RESOLUTION_BELOW_S)
    ? 'highResolutionAlarmMetrics'
    : 'standardAlarmMetrics';
}

/**
 * The metrics a dashboard shows: every entry of every widget's `metrics` list. The body is a JSON string
 * built with Fn::Join around tokens (region, alarm ARNs); tokens sit inside string values, so a placeholder
 * keeps the JSON readable.
 */
export function dashboardMetricCount(body: unknown): number {
  const text = typeof body === 'string' ? body : joinedText(body);
  const dashboard = JSON.parse(text) as { widgets?: { properties?: { metrics?: unknown[] } }[] };
  return (dashboard.widgets ?? []).reduce(
    (sum, widget) => sum + (widget.properties?.metrics?.length ?? 0),
    0,
  );
}

function joinedText(value: unknown): string {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`dashboard body neither a string nor an Fn::Join: ${JSON.stringify(value)}`);
  const [separator, parts] = join;
  return parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(separator);
}
