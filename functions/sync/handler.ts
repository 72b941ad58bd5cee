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
// No Job dimension: one series per metric for the whole deployment, whatever its jobs (a dimension value is
// a custom metric of its own, $0.30 a month each). What is wrong with one job is the job-health check's
// JobProblems (functions/job-health/); the job stays in every EMF line as a property, for Logs Insights.

async function syncHandler(event: unknown, context: Context): Promise<RunSummary> {
  parseSyncEvent(event, config.job);
  logger.setCorrelationId(context.awsRequestId); // run id = request id: one id across logs, ledger and lock
  metrics.addMetadata('Job', config.job); // cleared at each flush: once per invocation
  return runSync(dependencies, {
    runId: context.awsRequestId,
    requestId: context.awsRequestId,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}

export const handler = middy(syncHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  // No ColdStart metric: Powertools gives it a function_name dimension, one series per job; the REPORT log
  // line's Init Duration shows each cold start.
  .use(logMetrics(metrics));
