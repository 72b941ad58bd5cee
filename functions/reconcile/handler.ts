// Reconciliation Lambda entry point: wiring only. Configuration and collaborators are built once per
// container; each scheduled invocation audits (and by default repairs) the configured job's latest
// window, or goes on with the one an earlier invocation left unfinished (scheduled-audit.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { parseSyncEvent } from '../sync/sync-event.js';
import { AuditStateStore } from './audit-state.js';
import { createReconcileDependencies } from './dependencies.js';
import { loadReconcileConfig } from './reconcile-config.js';
import { runScheduledAudit, type ScheduledAuditResult } from './scheduled-audit.js';

const config = loadReconcileConfig(process.env);
const reconcile = createReconcileDependencies(config.sync);
const dependencies = {
  reconcile,
  state: new AuditStateStore(reconcile.documentClient, config.sync.tables.controlTable),
  settings: config.audit,
  overlapMs: config.sync.overlapMs,
};
metrics.setDefaultDimensions({ Job: config.sync.job });

async function reconcileHandler(event: unknown, context: Context): Promise<ScheduledAuditResult> {
  parseSyncEvent(event, config.sync.job); // the same `{ "job": ... }` event the sync's schedule sends
  logger.setCorrelationId(context.awsRequestId);
  return runScheduledAudit(dependencies, {
    runId: context.awsRequestId,
    requestId: context.awsRequestId,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}

export const handler = middy(reconcileHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
