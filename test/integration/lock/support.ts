// Test doubles for the lock's seams (metrics and logs), and a way to make a DynamoDB request land
// and then fail as if it had timed out, so the SDK retries it: the "ambiguous failure" of the design.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LockLogger, LockMetricUnit, MetricsSink } from '../../../functions/lock/observability.js';

export class RecordingMetrics implements MetricsSink {
  readonly recorded: { name: string; unit: LockMetricUnit; value: number }[] = [];

  addMetric(name: string, unit: LockMetricUnit, value: number): void {
    this.recorded.push({ name, unit, value });
  }

  count(name: string): number {
    return this.recorded.filter((metric) => metric.name === name).length;
  }

  values(name: string): number[] {
    return this.recorded.filter((metric) => metric.name === name).map((metric) => metric.value);
  }
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export class RecordingLogger implements LockLogger {
  readonly entries: LogEntry[] = [];

  info(message: string, attributes: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, attributes });
  }

  warn(message: string, attributes: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, attributes });
  }

  error(message: string, attributes: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, attributes });
  }
}

/**
 * Adds middleware inside the SDK's retry loop. After `arm()`, the next request reaches DynamoDB
 * and its answer is replaced by a retryable timeout, so the SDK sends the same request again.
 * `attempts` counts every HTTP attempt, so a test can prove the retry really happened.
 */
export function ambiguousFailureInjector(client: DynamoDBClient) {
  let armed = false;
  const state = { attempts: 0, injected: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      state.attempts += 1;
      const result = await next(args);
      if (armed) {
        armed = false;
        state.injected += 1;
        throw Object.assign(new Error('simulated timeout after the write landed'), {
          name: 'TimeoutError',
          $metadata: {},
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'ambiguousFailureInjector' },
  );
  return {
    arm(): void {
      armed = true;
    },
    get attempts(): number {
      return state.attempts;
    },
    get injected(): number {
      return state.injected;
    },
  };
}
