// Pricing arithmetic: usage counts in, dollars a month out, following the rules of each price in
// prices.ts (tiers, free allowances, which alarms the free alarm metrics cover). Pure functions; the
// usage comes from the synthesized templates (template-usage.ts) and from the code (emitted-metrics.ts).
import { PRICES, type Prices, type PriceTier } from './prices.js';

/** Cost of `quantity` units priced in tiers; each tier's `upTo` counts from zero. */
export function tieredUsd(quantity: number, tiers: readonly PriceTier[]): number {
  let usd = 0;
  let below = 0;
  for (const tier of tiers) {
    if (quantity <= below) break;
    usd += (Math.min(quantity, tier.upTo) - below) * tier.usd;
    below = tier.upTo;
  }
  return usd;
}

/** What is left to pay for after a free allowance. */
export function beyondAllowance(quantity: number, free: number): number {
  return Math.max(0, quantity - free);
}

export interface AlarmUsage {
  /** Metrics read by alarms with a period of 60 s or more (a math expression: each metric it reads). */
  readonly standardAlarmMetrics: number;
  /** The same, for alarms with a shorter period. */
  readonly highResolutionAlarmMetrics: number;
  /** Metrics analyzed by the queries of Metrics Insights alarms. */
  readonly metricsInsightsMetricsAnalyzed: number;
  readonly compositeAlarms: number;
}

export interface AlarmCost {
  readonly standardUsd: number;
  readonly highResolutionUsd: number;
  readonly metricsInsightsUsd: number;
  readonly compositeUsd: number;
  readonly totalUsd: number;
}

/** The free alarm metrics cover standard alarms only ("that list metrics directly"). */
export function alarmsUsd(usage: AlarmUsage, prices: Prices['alarms'] = PRICES.alarms): AlarmCost {
  const standardUsd =
    beyondAllowance(usage.standardAlarmMetrics, prices.freeStandardAlarmMetrics) *
    prices.standardPerAlarmMetricUsd;
  const highResolutionUsd = usage.highResolutionAlarmMetrics * prices.highResolutionPerAlarmMetricUsd;
  const metricsInsightsUsd =
    usage.metricsInsightsMetricsAnalyzed * prices.metricsInsightsPerMetricAnalyzedUsd;
  const compositeUsd = usage.compositeAlarms * prices.compositeUsd;
  return {
    standardUsd,
    highResolutionUsd,
    metricsInsightsUsd,
    compositeUsd,
    totalUsd: standardUsd + highResolutionUsd + metricsInsightsUsd + compositeUsd,
  };
}

/**
 * Dashboards, each given by the number of metrics it shows. The free ones are dashboards "for up to 50
 * metrics": a dashboard over that limit is paid even when it is one of the first three.
 */
export function dashboardsUsd(
  metricsPerDashboard: readonly number[],
  prices: Prices['dashboards'] = PRICES.dashboards,
): number {
  const small = metricsPerDashboard.filter((metrics) => metrics <= prices.freeDashboardMaxMetrics).length;
  const free = Math.min(small, prices.freeDashboards);
  return (metricsPerDashboard.length - free) * prices.perDashboardUsd;
}

/** Custom metrics: the free ones come off the bottom of the first tier. */
export function customMetricsUsd(
  metrics: number,
  prices: Prices['customMetrics'] = PRICES.customMetrics,
): number {
  return tieredUsd(beyondAllowance(metrics, prices.freeMetrics), prices.tiers);
}

export interface LogsCost {
  readonly ingestionUsd: number;
  readonly storageUsd: number;
}

/** One free allowance for ingestion and storage together: it goes to ingestion first, the dearer of the two. */
export function logsUsd(
  usage: { readonly ingestedGb: number; readonly storedGb: number },
  prices: Prices['logs'] = PRICES.logs,
): LogsCost {
  const freeForIngestion = Math.min(usage.ingestedGb, prices.freeGb);
  const freeForStorage = Math.min(usage.storedGb, prices.freeGb - freeForIngestion);
  return {
    ingestionUsd: (usage.ingestedGb - freeForIngestion) * prices.ingestionPerGbUsd,
    storageUsd: (usage.storedGb - freeForStorage) * prices.storagePerGbMonthUsd,
  };
}

export function apiRequestsUsd(requests: number, prices: Prices['apiRequests'] = PRICES.apiRequests): number {
  return (beyondAllowance(requests, prices.freeRequests) / 1000) * prices.per1000RequestsUsd;
}

export function xRayUsd(tracesRecorded: number, prices: Prices['xRay'] = PRICES.xRay): number {
  return beyondAllowance(tracesRecorded, prices.freeTracesRecorded) * prices.perTraceRecordedUsd;
}
