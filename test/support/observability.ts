// Recording doubles for the metrics and log seams (functions/shared/observability.ts): tests assert
// what a module published and logged without CloudWatch, and that no secret appears in any of it.
import type {
  DimensionedMetricsSink,
  LogSink,
  MetricUnitName,
  SingleMetricSink,
} from '../../functions/shared/observability.js';

export interface RecordedMetric {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export class RecordingMetrics implements DimensionedMetricsSink {
  readonly recorded: RecordedMetric[] = [];

  addMetric(name: string, unit: MetricUnitName, value: number): void {
    this.recorded.push({ name, unit, value, dimensions: {} });
  }

  singleMetric(): SingleMetricSink {
    const dimensions: Record<string, string> = {};
    return {
      addDimension: (name, value) => {
        dimensions[name] = value;
      },
      addMetric: (name, unit, value) => {
        this.recorded.push({ name, unit, value, dimensions: { ...dimensions } });
      },
    };
  }

  named(name: string): RecordedMetric[] {
    return this.recorded.filter((metric) => metric.name === name);
  }

  count(name: string): number {
    return this.named(name).length;
  }

  values(name: string): number[] {
    return this.named(name).map((metric) => metric.value);
  }
}

export interface RecordedLog {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export class RecordingLogger implements LogSink {
  readonly recorded: RecordedLog[] = [];

  debug(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'debug', message, attributes });
  }

  info(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'info', message, attributes });
  }

  warn(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'warn', message, attributes });
  }

  error(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'error', message, attributes });
  }

  /** Everything logged, serialised, for "the key never appears" assertions. */
  text(): string {
    return JSON.stringify(this.recorded);
  }
}
