// Clock-skew monitor Lambda entry point: wiring only. Configuration and the DynamoDB client are built
// once per container; each scheduled invocation measures every configured target once.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { systemClock } from '../shared/clock.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { anchoredClock } from './measurement-clock.js';
import { runSkewMonitor, type SkewMonitorReport } from './monitor.js';
import { createHttpProbeTransport } from './probe-transport.js';
import { loadSkewConfig } from './skew-config.js';

const config = loadSkewConfig(process.env);
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

/** The Scheduler's event carries nothing the monitor needs; the targets come from configuration. */
async function skewHandler(_event: unknown, context: Context): Promise<SkewMonitorReport> {
  logger.setCorrelationId(context.awsRequestId);
  // Connections are not kept across invocations minutes apart: a fresh transport per run, closed after.
  // Through the endpoint's proxy and with its extra CAs, like the sync: a target behind the proxy is
  // measured through it (an open proxy only: the monitor reads no secret that could hold credentials).
  const transport = createHttpProbeTransport({
    ...(config.transport.proxy ? { proxy: config.transport.proxy } : {}),
    extraCaPems: config.transport.extraCaPems,
  });
  try {
    return await runSkewMonitor(config, {
      transport,
      startClock: anchoredClock,
      documentClient,
      metrics,
      logger,
      clock: systemClock,
    });
  } finally {
    transport.close();
  }
}

export const handler = middy(skewHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
