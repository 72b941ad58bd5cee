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
// No Job dimension, as for the sync: a dimension value is a custom metric of its own ($0.30 a month each),
// and what is wrong with one job's audit is the job-health check's (audit-missing, audit-overdue,
// audit-repaired, read from the audit-state item). The job stays in every EMF line as a property.

async function reconcileHandler(event: unknown, context: Context): Promise<ScheduledAuditResult> {
  parseSyncEvent(event, config.sync.job); // the same `{ "job": ... }` event the sync's schedule sends
  logger.setCorrelationId(context.awsRequestId);
  metrics.addMetadata('Job', config.sync.job); // cleared at each flush: once per invocation
  return runScheduledAudit(dependencies, {
    runId: context.awsRequestId,
    requestId: context.awsRequestId,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}

export const handler = middy(reconcileHandler)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics)); // no ColdStart: its function_name dimension is a metric per job
