// Shared set-up of the reconciliation tests: a synced job on DynamoDB Local and the simulator, the
// reconciliation's real dependencies over it, and the few table operations the tests arrange with.
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { auditWindow } from '../../../functions/reconcile/audit.js';
import {
  createReconcileDependencies,
  type ReconcileDependencies,
} from '../../../functions/reconcile/dependencies.js';
import type { RunInvocation } from '../../../functions/reconcile/under-lease.js';
import type { Clock } from '../../../functions/shared/clock.js';
import { controlKeys, recordKeys } from '../../../functions/shared/tables.js';
import { recordItem } from '../../../functions/sync/record-item.js';
import { encodeRecordKey } from '../../../functions/sync/record-key.js';
import { type CliTestStack, startCliTestStack } from '../../support/cli-target.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

export const HOUR_MS = 3_600_000;

export interface ReconcileFixture {
  readonly stack: CliTestStack;
  readonly job: string;
  /** The window the tests audit: the generated entries and some margin on both sides. */
  readonly fromMs: number;
  readonly toMs: number;
  deps(clock?: Clock): ReconcileDependencies;
  invocation(remainingTimeMs?: number): RunInvocation;
  storedItems(): Promise<Record<string, unknown>[]>;
  deleteRecords(keys: readonly string[]): Promise<void>;
  /** Stores a record the source never had (as one deleted upstream leaves behind). */
  putExtra(key: string, timestampMs: number): Promise<void>;
  /** Replaces `count` source entries in place (same timestamp and source, other content); their keys. */
  changeSourceEntries(count: number): string[];
  /**
   * Changes 5 source entries in place and deletes 10 other stored records (every `stride`-th), as the
   * audit stories start: what the audit must then find stale and missing.
   */
  loseAndChange(stride: number): Promise<{ deletedKeys: string[]; changedKeys: string[] }>;
  /** The audit of the fixture's window, with a minute to go. */
  audit(): ReturnType<typeof auditWindow>;
  ledgerItems(): Promise<Record<string, unknown>[]>;
}

export interface FixtureOptions {
  /** The window the tests audit. @default the three hours before now */
  readonly window?: { readonly fromMs: number; readonly toMs: number };
  /** Where the entries are. @default the two hours before now, less a minute */
  readonly entriesSpan?: { readonly fromMs: number; readonly toMs: number };
  readonly metrics?: RecordingMetrics;
  /** The job's sync settings beyond the test stack's (KEY_FIELDS, ...). */
  readonly env?: Record<string, string>;
}

/** A job with `entries` source entries (by default over the two hours before now), synced until caught up. */
export async function startReconcileFixture(
  label: string,
  entries = 600,
  options: FixtureOptions = {},
): Promise<ReconcileFixture> {
  const stack = await startCliTestStack(label, options.env ? { env: options.env } : {});
  const nowMs = stack.sim.clock.nowMs();
  const { fromMs, toMs } = options.window ?? { fromMs: nowMs - 3 * HOUR_MS, toMs: nowMs };
  stack.sim.stream.generate(
    entries,
    options.entriesSpan ?? { fromMs: nowMs - 2 * HOUR_MS, toMs: nowMs - 60_000 },
  );
  for (let run = 0; run < 5; run++) {
    const summary = await stack.sync();
    if (summary.outcome === 'succeeded' && summary.caughtUp) break;
  }
  const { config, db } = stack;
  const job = config.job;
  const keySource = (await stack.target.job(job)).keySource;
  const fixture: ReconcileFixture = {
    stack,
    job,
    fromMs,
    toMs,
    deps: (clock) =>
      createReconcileDependencies(config, {
        documentClient: db.documentClient,
        keySource,
        metrics: options.metrics ?? new RecordingMetrics(),
        logger: new RecordingLogger(),
        ...(clock ? { clock } : {}),
      }),
    invocation: (remainingTimeMs = 120_000) => ({
      runId: randomUUID(),
      requestId: randomUUID(),
      remainingTimeMs: () => remainingTimeMs,
    }),
    storedItems: () => queryAll(stack, config.tables.recordsTable, recordKeys.jobPartition(job)),
    deleteRecords: async (keys) => {
      for (const key of keys) {
        await db.documentClient.send(
          new DeleteCommand({ TableName: config.tables.recordsTable, Key: recordKeys.record(job, key) }),
        );
      }
    },
    putExtra: async (key, timestampMs) => {
      const item = recordItem(
        { key, sourceTimestampMs: timestampMs, data: { timestamp: timestampMs, source: 'gone' } },
        { job, runId: 'earlier-run', fence: 1 },
        { readAtMs: timestampMs, syncedAtMs: timestampMs },
      );
      await db.documentClient.send(new PutCommand({ TableName: config.tables.recordsTable, Item: item }));
    },
    changeSourceEntries: (count) => {
      const all = stack.sim.stream.all();
      const step = Math.floor(all.length / (count + 1));
      return Array.from({ length: count }, (_, i) => {
        const entry = all[(i + 1) * step];
        if (!entry) throw new Error('not enough source entries');
        stack.sim.stream.append({
          timestamp: entry.timestamp,
          source: entry.source,
          temperature: entry.temperature + 10,
        });
        return encodeRecordKey(
          config.keyFields.map((field) => entry[field as keyof typeof entry] as string | number),
        );
      });
    },
    async loseAndChange(stride) {
      const changedKeys = this.changeSourceEntries(5);
      const deletedKeys = (await this.storedItems())
        .map((item) => String(item.sk))
        .filter((key) => !changedKeys.includes(key))
        .filter((_, i) => i % stride === Math.min(3, stride - 1))
        .slice(0, 10);
      if (deletedKeys.length !== 10) throw new Error(`only ${deletedKeys.length} records to delete`);
      await this.deleteRecords(deletedKeys);
      return { deletedKeys, changedKeys };
    },
    audit() {
      return auditWindow(this.deps(), {
        job,
        fromMs,
        toMs,
        deadlineMs: Date.now() + 60_000,
      });
    },
    ledgerItems: async () =>
      (await queryAll(stack, config.tables.controlTable, controlKeys.jobPartition(job))).filter((item) =>
        String(item.sk).startsWith('run#'),
      ),
  };
  return fixture;
}

async function queryAll(stack: CliTestStack, table: string, pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await stack.db.documentClient.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
