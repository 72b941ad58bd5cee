// The pricing arithmetic of bench:cost against figures worked by hand from the list prices in
// infra/cost/prices.ts (us-east-1): each test's comment shows the sum.
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../infra/cost/prices.js';
import {
  alarmsUsd,
  apiRequestsUsd,
  customMetricsUsd,
  dashboardsUsd,
  logsUsd,
  tieredUsd,
  xRayUsd,
} from '../../../infra/cost/pricing.js';

const CENT_FRACTIONS = 9;

describe('tiered prices', () => {
  it('charges each unit at the rate of the tier it falls in', () => {
    // 10,000 × $0.30 + 240,000 × $0.10 = 3,000 + 24,000 = $27,000
    expect(tieredUsd(250_000, PRICES.customMetrics.tiers)).toBeCloseTo(27_000, CENT_FRACTIONS);
    // 27,000 + 750,000 × $0.05 + 10 × $0.02 = 27,000 + 37,500 + 0.20 = $64,500.20
    expect(tieredUsd(1_000_010, PRICES.customMetrics.tiers)).toBeCloseTo(64_500.2, CENT_FRACTIONS);
  });

  it('costs nothing for nothing', () => {
    expect(tieredUsd(0, PRICES.customMetrics.tiers)).toBe(0);
  });
});

describe('custom metrics', () => {
  it('takes the 10 free metrics off the bill', () => {
    // (46 − 10) × $0.30 = $10.80
    expect(customMetricsUsd(46)).toBeCloseTo(10.8, CENT_FRACTIONS);
    expect(customMetricsUsd(10)).toBe(0);
  });

  it('takes the free metrics off the bottom of the first tier, so the 10,011th metric is the first at $0.10', () => {
    // 10,010 − 10 = 10,000 billable, all in the first tier: 10,000 × $0.30 = $3,000
    expect(customMetricsUsd(10_010)).toBeCloseTo(3_000, CENT_FRACTIONS);
    // one more: $3,000 + 1 × $0.10 = $3,000.10
    expect(customMetricsUsd(10_011)).toBeCloseTo(3_000.1, CENT_FRACTIONS);
  });
});

describe('alarms', () => {
  it('prices each class of alarm metric at its own rate, and only standard ones get the 10 free', () => {
    const cost = alarmsUsd({
      standardAlarmMetrics: 26,
      highResolutionAlarmMetrics: 3,
      metricsInsightsMetricsAnalyzed: 100,
      compositeAlarms: 2,
    });
    // standard (26 − 10) × $0.10 = $1.60; high resolution 3 × $0.30 = $0.90;
    // Metrics Insights 100 × $0.10 = $10.00; composite 2 × $0.50 = $1.00; total $13.50
    expect(cost.standardUsd).toBeCloseTo(1.6, CENT_FRACTIONS);
    expect(cost.highResolutionUsd).toBeCloseTo(0.9, CENT_FRACTIONS);
    expect(cost.metricsInsightsUsd).toBeCloseTo(10, CENT_FRACTIONS);
    expect(cost.compositeUsd).toBeCloseTo(1, CENT_FRACTIONS);
    expect(cost.totalUsd).toBeCloseTo(13.5, CENT_FRACTIONS);
  });

  it('does not spend the free standard alarm metrics on high-resolution or Metrics Insights alarms', () => {
    // 0 standard; 5 high resolution × $0.30 = $1.50; 4 analyzed × $0.10 = $0.40: $1.90
    const cost = alarmsUsd({
      standardAlarmMetrics: 0,
      highResolutionAlarmMetrics: 5,
      metricsInsightsMetricsAnalyzed: 4,
      compositeAlarms: 0,
    });
    expect(cost.totalUsd).toBeCloseTo(1.9, CENT_FRACTIONS);
  });
});

describe('dashboards', () => {
  it('gives the first 3 dashboards of up to 50 metrics free, and charges $3 for each other', () => {
    expect(dashboardsUsd([29])).toBe(0);
    // 4 small dashboards: 3 free, 1 × $3 = $3
    expect(dashboardsUsd([10, 10, 10, 10])).toBe(3);
  });

  it('charges a dashboard of more than 50 metrics even when it is the only one', () => {
    // 236 metrics > 50: not free: 1 × $3 = $3; two such: $6
    expect(dashboardsUsd([236])).toBe(3);
    expect(dashboardsUsd([60, 60])).toBe(6);
    // one large, three small: the three small are free, the large one $3
    expect(dashboardsUsd([60, 10, 10, 10])).toBe(3);
  });
});

describe('logs', () => {
  it('spends the shared 5 free GB on ingestion first', () => {
    // ingestion (12 − 5) × $0.50 = $3.50; storage 4 × $0.03 = $0.12
    const cost = logsUsd({ ingestedGb: 12, storedGb: 4 });
    expect(cost.ingestionUsd).toBeCloseTo(3.5, CENT_FRACTIONS);
    expect(cost.storageUsd).toBeCloseTo(0.12, CENT_FRACTIONS);
  });

  it('leaves what ingestion did not use of the free 5 GB to storage', () => {
    // ingestion 2 GB, free; storage 10 − (5 − 2) = 7 GB × $0.03 = $0.21
    const cost = logsUsd({ ingestedGb: 2, storedGb: 10 });
    expect(cost.ingestionUsd).toBe(0);
    expect(cost.storageUsd).toBeCloseTo(0.21, CENT_FRACTIONS);
  });
});

describe('requests and traces', () => {
  it('charges PutMetricData-style requests beyond the free million at $0.01 per 1,000', () => {
    // (1,500,000 − 1,000,000) / 1,000 × $0.01 = $5.00
    expect(apiRequestsUsd(1_500_000)).toBeCloseTo(5, CENT_FRACTIONS);
    expect(apiRequestsUsd(999_999)).toBe(0);
  });

  it('charges X-Ray traces beyond the free 100,000 at $5 per million', () => {
    // (150,000 − 100,000) × $0.000005 = $0.25
    expect(xRayUsd(150_000)).toBeCloseTo(0.25, CENT_FRACTIONS);
    expect(xRayUsd(30_040)).toBe(0);
  });
});
