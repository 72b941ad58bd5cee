// The bytes one invocation writes to CloudWatch Logs: its EMF lines, serialized by Powertools itself
// (the same Metrics class the Lambdas use, fed the metric kinds the code publishes), plus an assumed
// allowance for Lambda's platform lines and the structured log lines. The bench prints both assumptions.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../../functions/shared/powertools.js';
import { SERVICE_NAME } from '../aws/metrics.js';
import type { MetricKind } from './emitted-metrics.js';

/** START, END and REPORT (with Init Duration and the X-Ray trace id): about 110 + 60 + 330 bytes. */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 500;
/** A handful of Powertools Logger lines (run start, end, outcome) at the default INFO level. */
export const APP_LOG_BYTES_PER_INVOCATION = 2_000;

export const LOG_VOLUME_ASSUMPTIONS = [
  `EMF bytes per invocation: Powertools' own serialization of every metric kind the Lambda's code publishes, as one shared line plus one line per single metric (its cold start included); AuthFailure lines (a denial, not a normal run) left out`,
  `other log bytes per invocation: ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda platform lines + ${APP_LOG_BYTES_PER_INVOCATION} bytes of structured log lines (assumed; bench:cost measures real runs beside it)`,
  "storage: every ingested byte kept for the log groups' retention, uncompressed (an upper bound: CloudWatch bills stored logs compressed)",
];

/** A value for every dimension an EMF line carries, sized like the real ones. */
export interface SampleDimensionValues {
  readonly [dimension: string]: readonly string[];
}

/** EMF bytes one invocation of `lambda` writes: its shared line and each of its single metrics' lines. */
export function emfBytesPerInvocation(
  lambda: string,
  kinds: readonly MetricKind[],
  samples: SampleDimensionValues,
): number {
  const own = kinds.filter((kind) => kind.lambda === lambda && !kind.dimensions.includes('Cause'));
  const shared = own.filter((kind) => !kind.single);
  let bytes = 0;
  if (shared.length > 0) {
    const metrics = emfWriter(shared[0]?.dimensions ?? [], samples, 0);
    for (const name of new Set(shared.map((kind) => kind.name))) metrics.addMetric(name, 'Count', 1);
    bytes += lineBytes(metrics);
  }
  for (const kind of own.filter((k) => k.single)) {
    for (let index = 0; index < combinations(kind.dimensions, samples); index += 1) {
      const metrics = emfWriter(kind.dimensions, samples, index);
      metrics.addMetric(kind.name, 'Count', 1);
      bytes += lineBytes(metrics);
    }
  }
  return bytes;
}

function emfWriter(dimensions: readonly string[], samples: SampleDimensionValues, index: number): Metrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const values: Record<string, string> = {};
  for (const dimension of dimensions) {
    if (dimension === 'service') continue;
    const options = samples[dimension];
    if (!options || options.length === 0) throw new Error(`no sample value for dimension ${dimension}`);
    values[dimension] = options[index % options.length] as string;
  }
  metrics.setDefaultDimensions(values);
  return metrics;
}

/** One line per value of the dimension with several values (Target, Pair); one for the rest. */
function combinations(dimensions: readonly string[], samples: SampleDimensionValues): number {
  return dimensions.reduce((product, dimension) => product * (samples[dimension]?.length ?? 1), 1);
}

function lineBytes(metrics: Metrics): number {
  return Buffer.byteLength(`${JSON.stringify(metrics.serializeMetrics())}\n`);
}
