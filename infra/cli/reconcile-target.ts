// The reconciliation's dependencies for one job of a CLI target: the job's own configuration and key,
// the target's DynamoDB client, and the same lock, store and source client its Lambdas use. Metrics go
// nowhere (the CLI is not a scheduled run); the log's warnings and errors go to stderr as one line each:
// the message and its `why` (what to do), when it has one; its other attributes are for CloudWatch.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  createReconcileDependencies,
  type ReconcileDependencies,
} from '../../functions/reconcile/dependencies.js';
import type { RunInvocation } from '../../functions/reconcile/under-lease.js';
import type { Clock } from '../../functions/shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../../functions/shared/observability.js';
import type { CliIo } from './io.js';
import type { Target } from './target.js';

const noMetrics: DimensionedMetricsSink = {
  addMetric: () => undefined,
  singleMetric: () => ({ addMetric: () => undefined, addDimension: () => undefined }),
};

function stderrLogger(io: CliIo): LogSink {
  const say = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    const why = typeof attributes.why === 'string' ? `: ${attributes.why}` : '';
    io.stderr.write(`${level}: ${message}${why}\n`);
  };
  return { debug: () => undefined, info: () => undefined, warn: say('warning'), error: say('error') };
}

/** Throws the target's own error (naming the jobs it knows) for an unknown job. */
export async function reconcileDependenciesFor(
  target: Target,
  job: string,
  io: CliIo,
  clock?: Clock,
): Promise<ReconcileDependencies> {
  const { config, keySource } = await target.job(job);
  // Audit and backfill read the source: say why it cannot be read (npm start stopped) before trying it.
  if (target.sourceUnavailable) throw new Error(target.sourceUnavailable);
  return createReconcileDependencies(config, {
    documentClient: target.documentClient,
    keySource,
    metrics: noMetrics,
    logger: stderrLogger(io),
    ...(clock ? { clock } : {}),
  });
}

/** A CLI run as the lock and the ledger see it: its own run id, an owner naming the host, a time budget. */
export function cliInvocation(timeoutMs: number, clock: Clock): RunInvocation {
  const startedAtMs = clock.nowMs();
  return {
    runId: randomUUID(),
    requestId: `cli@${hostname()}#${process.pid}`,
    remainingTimeMs: () => Math.max(0, Math.round(startedAtMs + timeoutMs - clock.nowMs())),
  };
}
