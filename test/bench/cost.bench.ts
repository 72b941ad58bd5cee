// `npm run bench:cost`: CloudWatch a month for 1, 10 and 100 jobs (issue 14, item 3). Synthesizes the app
// for each (the example job of cdk.json's configuration, with its rotation, repeated; configurations in a
// temporary directory), prices alarms and dashboards from the templates and custom metrics and log bytes
// from the code, with the list prices of infra/cost/prices.ts. Prints each case, the per-job figure on the
// line `CloudWatch $ per additional job: X`, the target, and the README's table (README "Cost").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emittedMetricKinds } from '../../infra/cost/emitted-metrics.js';
import {
  APP_LOG_BYTES_PER_INVOCATION,
  emfBytesPerInvocation,
  LOG_VOLUME_ASSUMPTIONS,
} from '../../infra/cost/log-volume.js';
import { PRICES, PRICES_REGION, PRICES_TAKEN_ON } from '../../infra/cost/prices.js';
import {
  costReport,
  perJobLine,
  README_HEADING,
  readmeFigures,
  synthesizerIn,
  targetLine,
} from '../../infra/cost/report.js';
import { measureRunLogs } from './cost/measure-run-logs.js';

const workDir = mkdtempSync(join(tmpdir(), 'syncwarden-cost-'));
try {
  const report = costReport(synthesizerIn(workDir));
  console.log(
    `CloudWatch a month, ${PRICES_REGION} list prices taken ${PRICES_TAKEN_ON} (infra/cost/prices.ts)`,
  );
  for (const c of report.cases) {
    const { usage, usd } = c;
    console.log(`\n${c.jobs} job${c.jobs === 1 ? '' : 's'} (${c.source}): ${usage.resources} resources`);
    console.log(
      `  alarms: ${usage.alarms} (alarm metrics: ${usage.standardAlarmMetrics} standard, ${usage.highResolutionAlarmMetrics} high-resolution; ${usage.metricsInsightsMetricsAnalyzed} metrics analyzed by Metrics Insights alarms; ${usage.compositeAlarms} composite)`,
    );
    console.log(
      `  dashboards: ${usage.dashboardMetrics.length} (metrics shown: ${usage.dashboardMetrics.join(', ')})`,
    );
    console.log(`  custom metrics: ${usage.customMetrics}`);
    console.log(
      `  invocations: ${Math.round(usage.invocations)}, log ingestion ${usage.logIngestedGb.toFixed(4)} GB, stored ${usage.logStoredGb.toFixed(4)} GB`,
    );
    console.log(
      `  $/month: alarms ${usd.alarms.toFixed(2)}, dashboards ${usd.dashboards.toFixed(2)}, custom metrics ${usd.customMetrics.toFixed(2)}, log ingestion ${usd.logIngestion.toFixed(2)}, log storage ${usd.logStorage.toFixed(2)}, PutMetricData ${usd.putMetricData.toFixed(2)} (EMF, no calls)`,
    );
    console.log(
      `  CloudWatch $/month: ${usd.cloudWatch.toFixed(2)}; X-Ray beside it: ${usd.xRay.toFixed(2)}`,
    );
  }
  console.log('\nAssumptions:');
  for (const assumption of LOG_VOLUME_ASSUMPTIONS) console.log(`  - ${assumption}`);
  console.log(
    '  - free tiers (10 metrics, 10 standard alarm metrics, 3 dashboards of up to 50 metrics, 5 GB logs, 100,000 traces) used by syncwarden alone',
  );
  console.log(
    '  - every custom metric that can occur is billed a full month (AWS prorates by the hour a metric is sent: an upper bound for metrics sent only on a denial or a rotation)',
  );
  console.log(
    `  - sources: ${[...new Set(Object.values(PRICES).map((price) => price.source.url))].join(', ')}`,
  );
  await crossCheckWithRealRuns();
  console.log(`\n${perJobLine(report)} (${report.perJobBasis})`);
  console.log(targetLine(report));
  const [one, ten, hundred] = report.cases;
  if (one && ten) {
    // Where the per-job dollars go: what design work has to cut.
    const items = ['customMetrics', 'alarms', 'dashboards', 'logIngestion', 'logStorage'] as const;
    const share = items.map(
      (item) => `${item} ${((ten.usd[item] - one.usd[item]) / (ten.jobs - one.jobs)).toFixed(2)}`,
    );
    const perJob = (
      field: 'customMetrics' | 'standardAlarmMetrics' | 'metricsInsightsMetricsAnalyzed' | 'alarms',
    ) => (ten.usage[field] - one.usage[field]) / (ten.jobs - one.jobs);
    console.log(
      `  per job between ${one.jobs} and ${ten.jobs}: ${perJob('customMetrics').toFixed(2)} custom metrics, ${perJob('alarms').toFixed(2)} alarms (${perJob('standardAlarmMetrics').toFixed(2)} standard alarm metrics, ${perJob('metricsInsightsMetricsAnalyzed').toFixed(2)} metrics analyzed by Metrics Insights alarms); $ ${share.join(', ')}`,
    );
  }
  if (ten && hundred) {
    const tenToHundred = (hundred.usd.cloudWatch - ten.usd.cloudWatch) / (hundred.jobs - ten.jobs);
    console.log(
      `(for comparison, between ${ten.jobs} and ${hundred.jobs} jobs: ${tenToHundred.toFixed(2)} per job)`,
    );
  }
  console.log(
    `\nREADME (README.md, under "${README_HEADING}"; test/infra/cost-readme.test.ts holds it to this):\n`,
  );
  console.log(readmeFigures(report));
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

/** The code-derived bytes per invocation beside those of real runs on the embedded stack. */
async function crossCheckWithRealRuns(): Promise<void> {
  const kinds = emittedMetricKinds();
  const estimated = {
    sync: emfBytesPerInvocation('sync', kinds, {
      Job: ['sensor-stream'],
      function_name: ['SyncWarden-sensor-stream-sync'],
    }),
    clockSkew: emfBytesPerInvocation('clock-skew', kinds, {
      function_name: ['SyncWarden-clock-skew'],
      Target: ['thingworx'],
      Pair: [],
    }),
  };
  try {
    const measured = await measureRunLogs();
    console.log('\nReal runs on the embedded stack (DynamoDB Local, simulator; one cold invocation each):');
    for (const [name, lambda] of [
      ['sync (an incremental run)', 'sync'],
      ['clock-skew monitor (1 target)', 'clockSkew'],
    ] as const) {
      const { emfBytes, otherBytes } = measured[lambda];
      console.log(
        `  ${name}: EMF ${emfBytes} bytes (code estimate, an upper bound: ${estimated[lambda]}); other log lines ${otherBytes} bytes (assumed: ${APP_LOG_BYTES_PER_INVOCATION})`,
      );
    }
  } catch (error) {
    console.log(
      `\nReal runs not measured (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): the figures above stand on the code and the assumptions`,
    );
  }
}
