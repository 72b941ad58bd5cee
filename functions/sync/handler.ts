// Sync Lambda entry point: wiring only. Configuration and collaborators are built once per container;
// each invocation validates the Scheduler event and runs one sync of the configured job.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { createSyncDependencies } from './dependencies.js';
import { loadSyncConfig } from './sync-config.js';
import { parseSyncEvent } from './sync-event.js';
import { type RunSummary, runSync } from './sync-job.js';

const config = loadSyncConfig(process.env);
const dependencies = createSyncDependencies(config);
metrics.setDefaultDimensions({ Job: config.job });

async function syncHandler(event: unknown, context: Context): Promise<RunSummary> {
  parseSyncEvent(event, config.job);
  logger.setCorrelationId(context.awsRequestId); // run id = request id: one id across logs, ledger and lock
  return runSync(dependencies, {
    runId: context.awsRequestId,
    requestId: context.awsRequestId,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}

export const handler = middy(syncHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
