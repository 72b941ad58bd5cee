// The one table of list prices `npm run bench:cost` prices with: us-east-1, taken 2026-12-03. Every figure
// names the page it was read on. There was no internet access: pages were read through a stored copy
// (the search corpus), so each source says which copy held the figure. The stored copy of AWS's CloudWatch
// page holds only its free tier: the paid rates come from third-party pages quoting it, named below. None
// had to fall back to the README's own figures (which agree: $0.10 per alarm metric, $3 per dashboard).
//
// What AWS's page says about the free tier, read on https://aws.amazon.com/cloudwatch/pricing/ itself:
//   Metrics: "10 Detailed Monitoring Metrics (at 1-minute frequency), 1 Million API requests";
//   Dashboard: "3 Dashboards for up to 50 metrics per month";
//   Alarms: "10 Alarm metrics (only applicable to Standard resolution alarms that list metrics directly and
//   don't use a Metrics Insights query)";
//   Logs: "5 GB Data (ingestion, archive storage, and data scanned by Logs Insights queries)".
// Free tiers are per account and region: the bench assumes syncwarden is the account's only user of them.

/** One tier of a tiered price: the first `upTo` units (counted from zero, free units included) at `usd`. */
export interface PriceTier {
  readonly upTo: number;
  readonly usd: number;
}

export interface PriceSource {
  readonly url: string;
  /** Where the figure was read, when not on `url` itself. */
  readonly readOn?: string;
}

export const PRICES_REGION = 'us-east-1';
export const PRICES_TAKEN_ON = '2026-12-03';

const CLOUDWATCH_PRICING = 'https://aws.amazon.com/cloudwatch/pricing/';

export const PRICES = {
  customMetrics: {
    /** Per metric-month; a metric is one namespace + name + dimension name/value combination. */
    tiers: [
      { upTo: 10_000, usd: 0.3 },
      { upTo: 250_000, usd: 0.1 },
      { upTo: 1_000_000, usd: 0.05 },
      { upTo: Number.POSITIVE_INFINITY, usd: 0.02 },
    ] as readonly PriceTier[],
    freeMetrics: 10,
    source: {
      url: CLOUDWATCH_PRICING,
      readOn:
        'third-party copies of the page: the tiers quoted from https://aws.amazon.com/jp/cloudwatch/pricing/ in github.com/nishinoshake/aws-rough/issues/37, and the us-east-1 list of github.com/api-evangelist/cloudwatch plans/cloudwatch-plans-pricing.yml (the stored copy of the AWS page holds only its free tier)',
    },
  },
  alarms: {
    /** Per alarm metric-month, period of 60 s or more; a math expression counts each metric it reads. */
    standardPerAlarmMetricUsd: 0.1,
    /** Per alarm metric-month, period under 60 s (10 s or 30 s). */
    highResolutionPerAlarmMetricUsd: 0.3,
    /** Per metric the query analyzes, per month; no free tier. */
    metricsInsightsPerMetricAnalyzedUsd: 0.1,
    /** Per composite alarm-month. */
    compositeUsd: 0.5,
    freeStandardAlarmMetrics: 10,
    source: {
      url: CLOUDWATCH_PRICING,
      readOn:
        'free tier on the AWS page; standard $0.10, high resolution $0.30 and composite $0.50 from https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm. The Metrics Insights rate ("$0.10 per metric analyzed per month") was found only in stored repository files with no address (one a summary of the AWS Pricing API for us-east-1, retrieved 2025-10-28): no page with an address confirmed it',
    },
  },
  dashboards: {
    perDashboardUsd: 3,
    freeDashboards: 3,
    /** The free ones hold "up to 50 metrics" each. */
    freeDashboardMaxMetrics: 50,
    source: {
      url: CLOUDWATCH_PRICING,
      readOn:
        'free tier on the AWS page; $3 per dashboard-month from c3x.dev/blog/aws-cloudwatch-metrics-cost',
    },
  },
  logs: {
    /** Standard log class. Lambda's logs are vended logs since 2025; their first tier is this same $0.50. */
    ingestionPerGbUsd: 0.5,
    storagePerGbMonthUsd: 0.03,
    /** Shared by ingestion, storage and Logs Insights scans. */
    freeGb: 5,
    source: {
      url: CLOUDWATCH_PRICING,
      readOn:
        'free tier on the AWS page; $0.50/GB ingestion and $0.03/GB-month storage in us-east-1 from c3x.dev/blog/cloudwatch-logs-cost-optimization and hykell.com/knowledge-base/aws-cloudwatch-logs-pricing',
    },
  },
  apiRequests: {
    /** PutMetricData and the other request-priced APIs, per 1,000 requests. */
    per1000RequestsUsd: 0.01,
    freeRequests: 1_000_000,
    source: {
      url: CLOUDWATCH_PRICING,
      readOn: 'free tier on the AWS page; the rate from the api-evangelist copy above',
    },
  },
  xRay: {
    perTraceRecordedUsd: 0.000005,
    freeTracesRecorded: 100_000,
    source: {
      url: 'https://aws.amazon.com/xray/pricing/',
      readOn:
        'its German edition, https://aws.amazon.com/de/xray/pricing/ ("5 USD pro Million", 100 000 free)',
    },
  },
} as const;

export type Prices = typeof PRICES;
