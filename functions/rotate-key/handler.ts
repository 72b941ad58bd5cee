// Rotation Lambda entry point: wiring only. Secrets Manager invokes it four times per rotation
// (createSecret, setSecret, testSecret, finishSecret) with the same token; a daily schedule invokes it with
// the admin-key check event (admin-key-check.ts). Configuration and clients are built once per container. A failed step throws, so the rotation fails, AWSCURRENT stays put and
// the function's Errors metric (the rotation alarm) counts it.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { checkAdminKeyExpiry, isAdminKeyCheckEvent } from './admin-key-check.js';
import { createRotationDependencies } from './dependencies.js';
import { loadRotationConfig } from './rotation-config.js';
import { parseRotationEvent } from './rotation-event.js';
import { rotateKey } from './rotation-steps.js';

/** ThingWorx requests stop this long before the Lambda timeout, so a step fails with its cause, not a kill. */
const DEADLINE_MARGIN_MS = 2_000;

const config = loadRotationConfig(process.env);
const dependencies = createRotationDependencies(config);

async function rotationHandler(event: unknown, context: Context): Promise<void> {
  // The daily schedule's event, not Secrets Manager's: publish the admin key's days to expiry, change nothing.
  if (isAdminKeyCheckEvent(event)) {
    await checkAdminKeyExpiry(dependencies);
    return;
  }
  const rotation = parseRotationEvent(event);
  logger.setCorrelationId(rotation.ClientRequestToken); // one id across the four steps of a rotation
  await rotateKey(dependencies, rotation, {
    deadlineEpochMs: dependencies.clock.nowMs() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
  });
}

export const handler = middy(rotationHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  // No ColdStart metric: its function_name dimension would be one series per job's rotation function.
  .use(logMetrics(metrics));
