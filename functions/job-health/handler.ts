// Job-health check Lambda entry point: wiring only. Configuration and the DynamoDB client are built once
// per container; each scheduled invocation checks every job of its group once (check.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { systemClock } from '../shared/clock.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { runJobHealthCheck } from './check.js';
import { loadJobHealthConfig } from './health-config.js';

const config = loadJobHealthConfig(process.env);
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));

/** The Scheduler's event carries nothing the check needs; the jobs come from configuration. */
async function jobHealthHandler(_event: unknown, context: Context): Promise<{ problems: number }> {
  logger.setCorrelationId(context.awsRequestId);
  const health = await runJobHealthCheck(config, { documentClient, metrics, logger, clock: systemClock });
  return { problems: health.filter((job) => job.problems.length > 0).length };
}

// No logMetrics middleware: every metric the check publishes is a single metric, flushed as it is added,
// and the middleware would log "No application metrics to publish" on every one of 8,640 checks a month.
export const handler = middy(jobHealthHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }));
